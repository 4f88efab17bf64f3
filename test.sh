#!/usr/bin/env bash
# Every test of Atelier, on a fresh Debian 12 machine with the .NET SDK: provides what the tests need, then runs
# `dotnet test Cluster.sln -c Release`.
#
#   - PostgreSQL: the journal tests start a private server of their own from the installed server binaries (a
#     temporary directory, a free port, stopped at the end); no server needs to run. The binaries come from
#     Debian's postgresql package, installed here if missing. ATELIER_TEST_POSTGRES=CONNECTION-STRING uses a
#     running server instead.
#   - Chromium: the report tests drive Debian's /usr/bin/chromium headless; installed here if missing.
#   - Node.js/npm and kubectl: the deployment tests render the Kustomize overlays and validate them.
#   - podman, runc and debootstrap: the container rehearsal builds the images (docker/build-local.sh) and runs the
#     local overlay in containers.
#   - strace: the artifact store's durability test records the fsync and rename calls of a store write.
#
# Installing needs root (as CI runs it); without root, whatever is missing is named with the command that installs
# it, and nothing runs. Extra arguments go to `dotnet test` (e.g. --filter FullyQualifiedName~Chaos).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

say() { printf 'test.sh: %s\n' "$*"; }

command -v dotnet >/dev/null || { say "the .NET 10 SDK is required (global.json pins it): https://dot.net"; exit 1; }

# What is missing: "PACKAGE:why" for each.
missing=()
compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null || [[ -n ${ATELIER_TEST_POSTGRES:-} ]] \
  || missing+=("postgresql:the journal tests start a private PostgreSQL server from its binaries")
[[ -x /usr/bin/chromium ]] || missing+=("chromium:the report tests open the reports in a headless browser")
{ command -v node >/dev/null && command -v npm >/dev/null; } || missing+=("nodejs npm:the deployment tests validate the Kubernetes manifests")
# The machine image ships kubectl 1.32 (with Kustomize 5.5) from Google's repository; Debian's kubernetes-client is older.
command -v kubectl >/dev/null || missing+=("kubectl:the deployment tests render the Kustomize overlays")
command -v strace >/dev/null || missing+=("strace:the artifact store's durability test watches its fsync and rename calls")
for tool in podman runc debootstrap; do
  [[ -x /usr/bin/$tool || -x /usr/sbin/$tool ]] || { missing+=("podman runc debootstrap:the container rehearsal builds and runs the images"); break; }
done

if ((${#missing[@]})); then
  packages=()
  for m in "${missing[@]}"; do
    say "missing: ${m%%:*} (${m#*:})"
    read -ra names <<<"${m%%:*}"
    packages+=("${names[@]}")
  done
  if [[ $(id -u) -ne 0 ]]; then
    say "install them first: sudo apt-get install -y ${packages[*]}"
    exit 1
  fi
  say "installing ${packages[*]} with apt-get"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${packages[@]}" >/dev/null
fi

dotnet --version
/usr/bin/chromium --version 2>/dev/null || true
kubectl version --client 2>/dev/null | head -n 1 || true

exec dotnet test Cluster.sln -c Release "$@"
