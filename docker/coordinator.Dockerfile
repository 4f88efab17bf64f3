# Atelier coordinator: HTTP API (9110), Akka remoting (4053), Akka.Management (8558, Kubernetes only).
# Build from the repository root:
#   docker build -f docker/coordinator.Dockerfile -t REGISTRY/atelier/coordinator:0.1.0 .
# Base images are pinned to exact releases; to pin digests as well, pass e.g.
#   --build-arg RUNTIME_IMAGE=mcr.microsoft.com/dotnet/aspnet:10.0.12-noble@sha256:…
ARG SDK_IMAGE=mcr.microsoft.com/dotnet/sdk:10.0.401-noble
ARG RUNTIME_IMAGE=mcr.microsoft.com/dotnet/aspnet:10.0.12-noble

FROM ${SDK_IMAGE} AS build
# true: the exact upstream versions Akka.Management was built against (nuget.org); false builds with whatever the
# feed restores (fine for the default seed-node discovery, not for --discovery kubernetes): docker/build-local.sh.
ARG UPSTREAM_PINS=true
WORKDIR /src
# Restore from the project files alone, so a code change reuses the package layer.
COPY global.json Directory.Build.props Directory.Build.targets Directory.Packages.props ./
COPY build/ build/
COPY src/Contracts/Contracts.csproj src/Contracts/
COPY src/Shared/Shared.csproj src/Shared/
COPY src/Coordinator/Coordinator.csproj src/Coordinator/
COPY src/Cli/Cli.csproj src/Cli/
RUN dotnet restore src/Coordinator/Coordinator.csproj -r linux-x64 -p:AtelierUpstreamPins=${UPSTREAM_PINS} \
    && dotnet restore src/Cli/Cli.csproj -r linux-x64 -p:AtelierUpstreamPins=${UPSTREAM_PINS}
COPY src/Contracts/ src/Contracts/
COPY src/Shared/ src/Shared/
COPY src/Coordinator/ src/Coordinator/
COPY src/Cli/ src/Cli/
RUN dotnet publish src/Coordinator/Coordinator.csproj -c Release -r linux-x64 --self-contained false --no-restore \
        -p:AtelierUpstreamPins=${UPSTREAM_PINS} -o /app \
    && dotnet publish src/Cli/Cli.csproj -c Release -r linux-x64 --self-contained false --no-restore \
        -p:AtelierUpstreamPins=${UPSTREAM_PINS} -o /pbm

FROM ${RUNTIME_IMAGE}
# The image's non-root user "app" (1654) owns only the data directory; the application is read-only.
RUN mkdir -p /var/lib/atelier/data /var/lib/atelier/artifacts && chown -R 1654:1654 /var/lib/atelier \
    && ln -s /opt/pbm/pbm /usr/local/bin/pbm
WORKDIR /app
COPY --from=build /app/ ./
# pbm, for `kubectl exec … -- pbm sweep list` (it talks to this coordinator on localhost, with its token) and hooks.
COPY --from=build /pbm/ /opt/pbm/
# Listening beyond loopback, the coordinator refuses to start without ATELIER_TOKEN (≥ 16 characters).
ENV ATELIER_API_HOST=0.0.0.0 \
    ATELIER_HOST=0.0.0.0 \
    ATELIER_DATA_DIR=/var/lib/atelier/data \
    ATELIER_ARTIFACTS_DIR=/var/lib/atelier/artifacts
USER 1654:1654
EXPOSE 9110 4053 8558
# /healthz/live needs no token. No curl in the image: bash speaks the HTTP request itself.
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
    CMD ["bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/${ATELIER_API_PORT:-9110} && printf 'GET /healthz/live HTTP/1.0\\r\\nHost: localhost\\r\\n\\r\\n' >&3 && head -n 1 <&3 | grep -q ' 200 '"]
ENTRYPOINT ["dotnet", "Atelier.Coordinator.dll"]
