#!/usr/bin/env bash
# Builds the coordinator and CPU worker images with podman where no image registry is reachable: the base images
# are made here, from a Debian 12 root filesystem (debootstrap, Debian's mirror) plus this machine's .NET SDK, and
# the Dockerfiles are the same ones a registry build uses, given these bases as build arguments and the packages this
# machine restores (AtelierUpstreamPins=false: the exact versions Akka.Management was built against are on nuget.org
# only; the overlays' seed-node discovery does not need them, --discovery kubernetes does: docs/deploy.md).
#
#   docker/build-local.sh            # localhost/atelier/coordinator:0.1.0 and localhost/atelier/worker-cpu:0.1.0
#
# Needs root, podman, runc and debootstrap (apt-get install -y podman runc debootstrap). The Debian root filesystem
# is kept in $ATELIER_IMAGE_CACHE (default /var/tmp/atelier-images) and the bases are made once per .NET version;
# ATELIER_IMAGE_NO_CACHE=1 rebuilds the images' layers.
# The CUDA worker keeps its upstream base (nvidia/cuda) and is not built here.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

say() { printf 'build-local.sh: %s\n' "$*" >&2; }
[[ $(id -u) -eq 0 ]] || { say "run as root (debootstrap and podman's runtime need it here)"; exit 1; }
for tool in podman runc debootstrap; do
  command -v "$tool" >/dev/null || { say "$tool is missing: apt-get install -y podman runc debootstrap"; exit 1; }
done
command -v dotnet >/dev/null || { say "dotnet is not on root's PATH: the bases take this machine's .NET installation"; exit 1; }

# On these machines crun and runc both fail to raise a container's limits to their defaults: podman runs with runc and
# explicit limits, which work.
podman_() { podman --runtime runc "$@"; }
limits=(--ulimit nofile=1024:1024 --ulimit nproc=1024:1024)

dotnet_root=$(dirname "$(readlink -f "$(command -v dotnet)")")
runtime_version=$(dotnet --list-runtimes | awk '$1 == "Microsoft.NETCore.App" { v = $2 } END { print v }')
sdk_version=$(dotnet --version)
cache=${ATELIER_IMAGE_CACHE:-/var/tmp/atelier-images}
# The machine's own Debian mirror when it names one by URL (a mirror+file: list, as cloud images have, does not do for
# debootstrap), else Debian's; its security archive for the updates.
mirror=$(awk '/^URIs:/ { print $2; exit }' /etc/apt/sources.list.d/debian.sources 2>/dev/null || true)
[[ $mirror =~ ^https?:// ]] || mirror=http://deb.debian.org/debian
security=$(awk '/^URIs:/ && /security/ { print $2; exit }' /etc/apt/sources.list.d/debian.sources 2>/dev/null || true)
[[ $security =~ ^https?:// ]] || security=http://deb.debian.org/debian-security

# The libraries .NET and LibTorch load (OpenSSL, libstdc++, OpenMP; no ICU: the projects use invariant globalization),
# certificates, time zones, and bash (minbase has it) for the images' health checks. One root filesystem per list.
include=libssl3,ca-certificates,libstdc++6,libgomp1,tzdata
rootfs=$cache/rootfs-$(printf "%s" "$include+updates" | sha256sum | cut -c1-12)
if [[ ! -f $rootfs/.complete ]]; then
  say "making a Debian 12 root filesystem from $mirror"
  rm -rf "$rootfs" && mkdir -p "$cache"
  debootstrap --variant=minbase --include="$include" bookworm "$rootfs" "$mirror" >"$cache/debootstrap.log" 2>&1 \
    || { say "debootstrap failed; its log: $cache/debootstrap.log"; tail -n 5 "$cache/debootstrap.log" >&2; exit 1; }
  # debootstrap installs from the release only: the security and point-release updates come after it.
  printf 'deb %s bookworm main\ndeb %s bookworm-updates main\ndeb %s bookworm-security main\n' "$mirror" "$mirror" "$security" \
    >"$rootfs/etc/apt/sources.list"
  { chroot "$rootfs" apt-get update -qq && DEBIAN_FRONTEND=noninteractive chroot "$rootfs" apt-get upgrade -y -qq; } \
    >>"$cache/debootstrap.log" 2>&1 || { say "updating the root filesystem failed; its log: $cache/debootstrap.log"; exit 1; }
  rm -rf "$rootfs"/var/cache/apt/*.bin "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/* \
    "$rootfs"/usr/share/{doc,man,info}/*
  : >"$rootfs/etc/resolv.conf" # the machine's own; podman gives each container its resolver
  touch "$rootfs/.complete"
fi
base_tag=$(basename "$rootfs" | cut -d- -f2)

runtime_image=localhost/atelier-base/dotnet-runtime:$runtime_version-$base_tag
sdk_image=localhost/atelier-base/dotnet-sdk:$sdk_version-$base_tag

# A base image: the root filesystem, the named parts of the .NET installation, and the user the .NET images run as
# ("app", 1654), imported as one layer.
make_base() {
  local image=$1; shift
  if podman_ image exists "$image"; then return; fi
  say "making $image"
  tree=$(mktemp -d "$cache/tree.XXXXXX") # global: the EXIT trap removes it if a step fails
  trap 'rm -rf "$tree"' EXIT
  cp -a "$rootfs/." "$tree/"
  rm -f "$tree/.complete"
  mkdir -p "$tree/usr/share/dotnet"
  for part in "$@"; do
    if [[ -e $dotnet_root/$part ]]; then cp -a "$dotnet_root/$part" "$tree/usr/share/dotnet/"; fi
  done
  ln -sf /usr/share/dotnet/dotnet "$tree/usr/bin/dotnet"
  # The build stage restores from the package feed through whatever this machine trusts (an egress proxy's CA, say).
  local changes=(--change 'ENV DOTNET_RUNNING_IN_CONTAINER=true' --change 'ENV APP_UID=1654')
  if [[ $image == "$sdk_image" ]]; then
    cp /etc/ssl/certs/ca-certificates.crt "$tree/etc/ssl/certs/ca-certificates.crt"
    # The SDK's own tools need ICU or invariant mode; the applications are built invariant anyway.
    changes+=(--change 'ENV DOTNET_SYSTEM_GLOBALIZATION_INVARIANT=1')
  fi
  echo 'app:x:1654:' >>"$tree/etc/group"
  echo 'app:x:1654:1654::/home/app:/usr/sbin/nologin' >>"$tree/etc/passwd"
  mkdir -p "$tree/home/app" && chown 1654:1654 "$tree/home/app"
  tar -C "$tree" -c . | podman_ import "${changes[@]}" - "$image" >/dev/null
  rm -rf "$tree"
  trap - EXIT
}
make_base "$runtime_image" dotnet host shared LICENSE.txt ThirdPartyNotices.txt
make_base "$sdk_image" dotnet host shared sdk sdk-manifests packs templates LICENSE.txt ThirdPartyNotices.txt

# The build stage restores from this machine's package folder (mounted, so nothing is downloaded twice). Its restore
# layer is cached by the project files alone: after clearing that folder, build once with ATELIER_IMAGE_NO_CACHE=1.
packages=${NUGET_PACKAGES:-$HOME/.nuget/packages}
mkdir -p "$packages"
build() {
  local dockerfile=$1 tag=$2
  say "building $tag from docker/$dockerfile"
  podman_ build "${limits[@]}" --network host --layers --force-rm ${ATELIER_IMAGE_NO_CACHE:+--no-cache} \
    --volume "$packages:/root/.nuget/packages" \
    --build-arg "SDK_IMAGE=$sdk_image" --build-arg "RUNTIME_IMAGE=$runtime_image" --build-arg UPSTREAM_PINS=false \
    --ignorefile "docker/$dockerfile.dockerignore" -f "docker/$dockerfile" -t "$tag" . >&2
}
build coordinator.Dockerfile localhost/atelier/coordinator:0.1.0
build worker-cpu.Dockerfile localhost/atelier/worker-cpu:0.1.0
podman_ images --format '{{.Repository}}:{{.Tag}} {{.Size}}' | grep -E '^localhost/atelier/' >&2
