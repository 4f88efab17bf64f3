#!/usr/bin/env bash
# Atelier in one command: builds the solution, starts a coordinator and two workers (2 CPU slots each) on
# loopback, runs the example sweep with pbm (it prints the results table), then stops everything.
# The sweep is the main job on the built-in data: examples/cifar-cpu.yaml (VGG19 at 1/8 width over
# weight decay and learning rate; several minutes on 2 cores). ATELIER_DEMO_SPEC=FILE runs another,
# e.g. examples/synthetic-grid.yaml (seconds).
#
#   ./demo.sh                                  ports 9110 (HTTP API) and 4053 (cluster remoting)
#   ATELIER_DEMO_API_PORT=9210 ATELIER_DEMO_PORT=4153 ./demo.sh
#
# A local cluster that stays up, to try pbm against (its sweeps are kept in .data/local/ across up and down):
#
#   ./demo.sh up        build, start the coordinator and two workers in the background, print what to try next
#   ./demo.sh status    whether it runs, and where
#   ./demo.sh down      stop it (SIGTERM: the workers leave the cluster, then everything exits)
#
# Needs only the .NET SDK. The one-shot demo's data and logs go to .data/demo/ (recreated on each run).
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")"
ROOT=$PWD
API_PORT=${ATELIER_DEMO_API_PORT:-9110}
PORT=${ATELIER_DEMO_PORT:-4053}
MODE=${1:-run}
case $MODE in
    run) DEMO_DIR=$ROOT/.data/demo ;;
    up | down | status) DEMO_DIR=$ROOT/.data/local ;;
    *) printf 'demo: unknown command %s: use ./demo.sh, ./demo.sh up, ./demo.sh status or ./demo.sh down\n' "$MODE" >&2; exit 2 ;;
esac
PIDFILE=$DEMO_DIR/pids
LOGS=$DEMO_DIR/logs
BIN=bin/Release/net10.0
SPEC=${ATELIER_DEMO_SPEC:-examples/cifar-cpu.yaml}
PIDS=()
LOGS_FRESH=0

say() { printf 'demo: %s\n' "$*"; }
fail() { printf 'demo: error: %s\n' "$*" >&2; exit 1; }

# Whether something on 127.0.0.1 accepts connections on port $1.
port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# Whether the coordinator's API answers GET /api/sweeps with 200 (plain bash: curl may not be installed).
api_ready() {
    (
        exec 3<>"/dev/tcp/127.0.0.1/$API_PORT" || exit 1
        printf 'GET /api/sweeps HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n' >&3
        IFS= read -r -t 5 status <&3 || exit 1
        [[ $status == *" 200 "* ]]
    ) 2>/dev/null
}

stop_all() {
    local status=$?
    trap - EXIT INT TERM
    if ((${#PIDS[@]})); then
        say "stopping the cluster"
        kill -TERM "${PIDS[@]}" 2>/dev/null || true
        # Give them a few seconds to leave the cluster cleanly, then make sure.
        for _ in $(seq 1 50); do
            local alive=0
            for pid in "${PIDS[@]}"; do kill -0 "$pid" 2>/dev/null && alive=1; done
            ((alive)) || break
            sleep 0.1
        done
        kill -KILL "${PIDS[@]}" 2>/dev/null || true
        wait "${PIDS[@]}" 2>/dev/null || true
    fi
    if ((status == 130 || status == 143)); then
        printf 'demo: interrupted; everything is stopped (logs: %s)\n' "$LOGS" >&2
    elif ((status != 0 && LOGS_FRESH)); then
        printf 'demo: failed (exit %d); the logs are in %s\n' "$status" "$LOGS" >&2
        # The processes' logs say why; the build's errors were printed already.
        for log in "$LOGS"/coordinator.log "$LOGS"/worker-*.log; do
            [[ -f $log ]] || continue
            printf '\n===== %s (last 15 lines)\n' "${log#"$ROOT"/}" >&2
            tail -n 15 "$log" >&2
        done
    fi
    exit "$status"
}
# The processes of a local cluster started by ./demo.sh up that still run (none when it is down).
running_pids() {
    [[ -f $PIDFILE ]] || return 0
    local pid
    while read -r pid; do kill -0 "$pid" 2>/dev/null && printf '%s\n' "$pid"; done <"$PIDFILE"
}

if [[ $MODE == status || $MODE == down ]]; then
    mapfile -t alive < <(running_pids)
    if ((${#alive[@]} == 0)); then
        rm -f "$PIDFILE"
        say "no local cluster is running (start one with ./demo.sh up)"
        exit 0
    fi
    API_PORT=$(cat "$DEMO_DIR/api-port" 2>/dev/null || echo "$API_PORT")
    if [[ $MODE == status ]]; then
        api_ready && state="its API answers" || state="its API does not answer (yet?)"
        say "a local cluster runs: ${#alive[@]} processes (pids ${alive[*]}), http://127.0.0.1:$API_PORT, $state"
        say "data and logs: ${DEMO_DIR#"$ROOT"/}/"
        exit 0
    fi
    say "stopping the local cluster (pids ${alive[*]})"
    kill -TERM "${alive[@]}" 2>/dev/null || true
    for _ in $(seq 1 100); do
        mapfile -t alive < <(running_pids)
        ((${#alive[@]})) || break
        sleep 0.1
    done
    ((${#alive[@]} == 0)) || kill -KILL "${alive[@]}" 2>/dev/null || true
    rm -f "$PIDFILE"
    say "stopped; its sweeps stay in ${DEMO_DIR#"$ROOT"/}/ for the next ./demo.sh up"
    exit 0
fi

if [[ $MODE == up ]]; then
    mapfile -t alive < <(running_pids)
    if ((${#alive[@]})); then
        say "a local cluster is already running (pids ${alive[*]}; ./demo.sh status, ./demo.sh down)"
        exit 1
    fi
fi

trap stop_all EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

command -v dotnet >/dev/null || fail "dotnet is not on PATH: install the .NET SDK (see global.json for the version)"
[[ $API_PORT =~ ^[0-9]{1,5}$ ]] && ((API_PORT > 0 && API_PORT < 65536)) || fail "ATELIER_DEMO_API_PORT=$API_PORT is not a port number"
[[ $PORT =~ ^[0-9]{1,5}$ ]] && ((PORT > 0 && PORT < 65536)) || fail "ATELIER_DEMO_PORT=$PORT is not a port number"
[[ $API_PORT != "$PORT" ]] || fail "the API port and the remoting port must differ (both are $PORT)"
port_in_use "$API_PORT" && fail "port $API_PORT (HTTP API) is already in use: stop what uses it or set ATELIER_DEMO_API_PORT"
port_in_use "$PORT" && fail "port $PORT (cluster remoting) is already in use: stop what uses it or set ATELIER_DEMO_PORT"

[[ $MODE == run ]] && rm -rf "$DEMO_DIR"
mkdir -p "$LOGS"
LOGS_FRESH=1

say "building (dotnet build Cluster.sln -c Release; log: ${LOGS#"$ROOT"/}/build.log)"
if ! dotnet build Cluster.sln -c Release -nologo -v quiet >"$LOGS/build.log" 2>&1; then
    grep -E ': error ' "$LOGS/build.log" | sort -u | head -n 20 >&2 || true
    fail "the build failed; see $LOGS/build.log"
fi

say "starting the coordinator (HTTP API http://127.0.0.1:$API_PORT, remoting $PORT)"
# Under nohup the processes of ./demo.sh up outlive this script and its terminal.
DETACH=()
[[ $MODE == up ]] && DETACH=(nohup)
"${DETACH[@]}" dotnet "src/Coordinator/$BIN/Atelier.Coordinator.dll" --api-port "$API_PORT" --port "$PORT" \
    --data-dir "$DEMO_DIR/coordinator" >"$LOGS/coordinator.log" 2>&1 &
PIDS+=($!)
for i in $(seq 1 120); do
    api_ready && break
    kill -0 "${PIDS[0]}" 2>/dev/null || fail "the coordinator exited; see $LOGS/coordinator.log"
    ((i < 120)) || fail "the coordinator's API did not answer within 60 s; see $LOGS/coordinator.log"
    sleep 0.5
done

for n in 1 2; do
    "${DETACH[@]}" dotnet "src/GpuWorker/$BIN/Atelier.GpuWorker.dll" --seed-nodes "akka.tcp://atelier@127.0.0.1:$PORT" \
        --cpu-slots 2 --device cpu --data-dir "$DEMO_DIR/worker-$n" >"$LOGS/worker-$n.log" 2>&1 &
    PIDS+=($!)
done
say "starting two workers (2 CPU slots each)"
for n in 1 2; do
    for i in $(seq 1 120); do
        grep -q 'Singleton identified at \[' "$LOGS/worker-$n.log" && break
        kill -0 "${PIDS[$n]}" 2>/dev/null || fail "worker $n exited; see $LOGS/worker-$n.log"
        ((i < 120)) || fail "worker $n did not join the cluster within 60 s; see $LOGS/worker-$n.log"
        sleep 0.5
    done
done

if [[ $MODE == up ]]; then
    printf '%s\n' "${PIDS[@]}" >"$PIDFILE"
    echo "$API_PORT" >"$DEMO_DIR/api-port"
    PIDS=() # they stay up
    say "a local cluster runs: coordinator http://127.0.0.1:$API_PORT (remoting $PORT), two workers with 2 CPU slots each"
    say "data and logs: ${DEMO_DIR#"$ROOT"/}/ (kept across ./demo.sh down and up)"
    cat <<NEXT

Try (pbm installed as the README says, or: dotnet src/Cli/$BIN/pbm.dll):
  pbm --server 127.0.0.1:$API_PORT sweep submit examples/synthetic-grid.yaml --wait
  pbm --server 127.0.0.1:$API_PORT sweep list
  pbm --server 127.0.0.1:$API_PORT worker list
  pbm 127.0.0.1:$API_PORT                         (an interactive prompt)
  ./demo.sh status
  ./demo.sh down
NEXT
    exit 0
fi

say "pbm sweep submit $SPEC --wait"
echo
PBM=(dotnet "src/Cli/$BIN/pbm.dll" --server "http://127.0.0.1:$API_PORT")
timeout --foreground 1800 "${PBM[@]}" sweep submit "$SPEC" --wait
echo
# The sweep just run is the newest: download its report (report.html, report.json, trials.csv).
ID=$("${PBM[@]}" sweep list --json | grep -o '"id": *"[^"]*"' | head -n 1 | sed 's/.*"\([^"]*\)"$/\1/')
[[ -n $ID ]] || fail "pbm sweep list did not show the sweep"
"${PBM[@]}" sweep report "$ID" --out "$DEMO_DIR/report" >/dev/null
say "report: ${DEMO_DIR#"$ROOT"/}/report/report.html (one self-contained file: open it in a browser)"
say "done; the logs are in ${LOGS#"$ROOT"/}/"
