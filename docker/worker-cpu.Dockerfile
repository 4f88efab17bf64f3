# Atelier worker on the CPU (LibTorch for the CPU): Akka remoting (4053), Akka.Management (8558,
# Kubernetes only). For laptops, CI and clusters without GPUs. Build from the repository root:
#   docker build -f docker/worker-cpu.Dockerfile -t REGISTRY/atelier/worker-cpu:0.1.0 .
ARG SDK_IMAGE=mcr.microsoft.com/dotnet/sdk:10.0.401-noble
ARG RUNTIME_IMAGE=mcr.microsoft.com/dotnet/runtime:10.0.12-noble

FROM ${SDK_IMAGE} AS build
# true: the exact upstream versions Akka.Management was built against (nuget.org); false builds with whatever the
# feed restores (fine for the default seed-node discovery, not for --discovery kubernetes): docker/build-local.sh.
ARG UPSTREAM_PINS=true
WORKDIR /src
COPY global.json Directory.Build.props Directory.Build.targets Directory.Packages.props ./
COPY build/ build/
COPY src/Contracts/Contracts.csproj src/Contracts/
COPY src/Shared/Shared.csproj src/Shared/
COPY src/GpuWorker/GpuWorker.csproj src/GpuWorker/
COPY src/Cli/Cli.csproj src/Cli/
RUN dotnet restore src/GpuWorker/GpuWorker.csproj -r linux-x64 -p:AtelierUpstreamPins=${UPSTREAM_PINS} \
    && dotnet restore src/Cli/Cli.csproj -r linux-x64 -p:AtelierUpstreamPins=${UPSTREAM_PINS}
COPY src/Contracts/ src/Contracts/
COPY src/Shared/ src/Shared/
COPY src/GpuWorker/ src/GpuWorker/
COPY src/Cli/ src/Cli/
RUN dotnet publish src/GpuWorker/GpuWorker.csproj -c Release -r linux-x64 --self-contained false --no-restore \
        -p:AtelierUpstreamPins=${UPSTREAM_PINS} -o /app \
    && mkdir /native && mv /app/*.so* /native/ \
    && dotnet publish src/Cli/Cli.csproj -c Release -r linux-x64 --self-contained false --no-restore \
        -p:AtelierUpstreamPins=${UPSTREAM_PINS} -o /pbm

FROM ${RUNTIME_IMAGE}
RUN mkdir -p /var/lib/atelier/worker && chown -R 1654:1654 /var/lib/atelier \
    && ln -s /opt/pbm/pbm /usr/local/bin/pbm
WORKDIR /app
# LibTorch (hundreds of MB) in its own layer, which stays the same until the packages change.
COPY --from=build /native/ ./
COPY --from=build /app/ ./
# pbm, for `kubectl exec … -- pbm` (ATELIER_SERVER or --server names the coordinator).
COPY --from=build /pbm/ /opt/pbm/
ENV ATELIER_HOST=0.0.0.0 \
    ATELIER_PORT=4053 \
    ATELIER_DATA_DIR=/var/lib/atelier/worker \
    ATELIER_DEVICE=cpu
USER 1654:1654
EXPOSE 4053 8558
# Healthy while Up in the cluster: the worker keeps DATA-DIR/cluster-member then (a bare connection to
# the remoting port would be a failed handshake with mutual TLS).
HEALTHCHECK --interval=15s --timeout=5s --start-period=60s --retries=3 \
    CMD ["bash", "-c", "test -f \"${ATELIER_DATA_DIR:-/var/lib/atelier/worker}/cluster-member\""]
ENTRYPOINT ["dotnet", "Atelier.GpuWorker.dll"]
