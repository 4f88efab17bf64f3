# Atelier worker on NVIDIA GPUs: CUDA 12.8 + cuDNN runtime on Ubuntu 24.04, TorchSharp-cuda-linux
# (LibTorch 2.10, CUDA 12.8) selected at build time with -p:TorchSharpBackend=cuda; the code is the
# same as the CPU worker's. Needs an NVIDIA driver for CUDA 12.8 (R570 or newer) and the NVIDIA
# container runtime (Kubernetes: the NVIDIA device plugin or GPU operator). From the repository root:
#   docker build -f docker/worker-cuda.Dockerfile -t REGISTRY/atelier/worker-cuda:0.1.0 .
ARG SDK_IMAGE=mcr.microsoft.com/dotnet/sdk:10.0.401-noble
ARG DOTNET_RUNTIME_IMAGE=mcr.microsoft.com/dotnet/runtime:10.0.12-noble
ARG CUDA_IMAGE=nvidia/cuda:12.8.1-cudnn-runtime-ubuntu24.04

FROM ${SDK_IMAGE} AS build
# true: the exact upstream versions Akka.Management was built against (nuget.org); false builds with whatever the
# feed restores (fine for the default seed-node discovery, not for --discovery kubernetes).
ARG UPSTREAM_PINS=true
WORKDIR /src
COPY global.json Directory.Build.props Directory.Build.targets Directory.Packages.props ./
COPY build/ build/
COPY src/Contracts/Contracts.csproj src/Contracts/
COPY src/Shared/Shared.csproj src/Shared/
COPY src/GpuWorker/GpuWorker.csproj src/GpuWorker/
COPY src/Cli/Cli.csproj src/Cli/
RUN dotnet restore src/GpuWorker/GpuWorker.csproj -r linux-x64 -p:TorchSharpBackend=cuda -p:AtelierUpstreamPins=${UPSTREAM_PINS} \
    && dotnet restore src/Cli/Cli.csproj -r linux-x64 -p:AtelierUpstreamPins=${UPSTREAM_PINS}
COPY src/Contracts/ src/Contracts/
COPY src/Shared/ src/Shared/
COPY src/GpuWorker/ src/GpuWorker/
COPY src/Cli/ src/Cli/
RUN dotnet publish src/GpuWorker/GpuWorker.csproj -c Release -r linux-x64 --self-contained false --no-restore \
        -p:TorchSharpBackend=cuda -p:AtelierUpstreamPins=${UPSTREAM_PINS} -o /app \
    && mkdir /native && mv /app/*.so* /native/ \
    && dotnet publish src/Cli/Cli.csproj -c Release -r linux-x64 --self-contained false --no-restore \
        -p:AtelierUpstreamPins=${UPSTREAM_PINS} -o /pbm

# The .NET runtime, copied from Microsoft's image of the same Ubuntu release.
FROM ${DOTNET_RUNTIME_IMAGE} AS dotnet

FROM ${CUDA_IMAGE}
# What the .NET runtime needs on Ubuntu 24.04 (no ICU: the app runs with invariant globalization).
RUN apt-get update \
    && apt-get install -y --no-install-recommends ca-certificates libssl3t64 tzdata zlib1g \
    && rm -rf /var/lib/apt/lists/* \
    && groupadd --gid 1654 app \
    && useradd --uid 1654 --gid 1654 --no-create-home --home-dir /app --shell /usr/sbin/nologin app \
    && mkdir -p /var/lib/atelier/worker && chown -R 1654:1654 /var/lib/atelier
COPY --from=dotnet /usr/share/dotnet /usr/share/dotnet
RUN ln -s /usr/share/dotnet/dotnet /usr/bin/dotnet && ln -s /opt/pbm/pbm /usr/local/bin/pbm
WORKDIR /app
# LibTorch with CUDA (several GB) in its own layer, which stays the same until the packages change.
COPY --from=build /native/ ./
COPY --from=build /app/ ./
# pbm, for `kubectl exec … -- pbm` (ATELIER_SERVER or --server names the coordinator).
COPY --from=build /pbm/ /opt/pbm/
# The root filesystem is read-only on Kubernetes, /tmp a volume: CUDA's kernel cache goes there.
ENV ATELIER_HOST=0.0.0.0 \
    ATELIER_PORT=4053 \
    ATELIER_DATA_DIR=/var/lib/atelier/worker \
    ATELIER_DEVICE=cuda \
    CUDA_CACHE_PATH=/tmp/cuda-cache
USER 1654:1654
EXPOSE 4053 8558
# Healthy while Up in the cluster: the worker keeps DATA-DIR/cluster-member then (a bare connection to
# the remoting port would be a failed handshake with mutual TLS).
HEALTHCHECK --interval=15s --timeout=5s --start-period=120s --retries=3 \
    CMD ["bash", "-c", "test -f \"${ATELIER_DATA_DIR:-/var/lib/atelier/worker}/cluster-member\""]
ENTRYPOINT ["dotnet", "Atelier.GpuWorker.dll"]
