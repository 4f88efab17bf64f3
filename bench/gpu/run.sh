#!/usr/bin/env bash
# GPU measurements on a machine with PyTorch and no .NET (the lent device machine): the worker is a self-contained
# single-file publish (WORKER, default .device/worker/Atelier.GpuWorker) plus its libLibTorchSharp.so, run against the
# PyTorch wheel's libtorch. Writes everything under OUT (default ./gpu-out). See docs/benchmarks.md, "GPU".
set -u
OUT=${OUT:-./gpu-out}; mkdir -p "$OUT"
WORKER=${WORKER:-.device/worker/Atelier.GpuWorker}
HERE=$(cd "$(dirname "$0")/.." && pwd)/pytorch
PY=${PYTHON:-python3}
log() { echo "== $*" | tee -a "$OUT/steps.log"; }
TL=$($PY -c 'import torch, os; print(os.path.join(os.path.dirname(torch.__file__), "lib"))')
export LD_LIBRARY_PATH="$TL${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
{ nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv; nproc; uname -r
  $PY -c 'import torch; print("torch", torch.__version__, "cuda", torch.version.cuda, "cudnn", torch.backends.cudnn.version())'
  $PY -c 'import torchvision; print("torchvision", torchvision.__version__)' 2>&1 | tail -1; } > "$OUT/machine.txt" 2>&1
cat "$OUT/machine.txt"

log "symbols LibTorchSharp imports that the wheel's libraries do not define"
if command -v nm >/dev/null; then
  nm -D --undefined-only "$(dirname "$WORKER")/libLibTorchSharp.so" | awk '{print $2}' | grep -v '@' | sort -u > "$OUT/needed.txt"
  for f in "$TL"/libtorch.so "$TL"/libtorch_cpu.so "$TL"/libc10.so "$TL"/libtorch_cuda.so "$TL"/libc10_cuda.so; do
    [ -f "$f" ] && nm -D --defined-only "$f" | awk '{print $3}'; done | sort -u > "$OUT/defined.txt"
  comm -23 "$OUT/needed.txt" "$OUT/defined.txt" > "$OUT/missing.txt"
  log "needed $(wc -l < "$OUT/needed.txt"), missing $(wc -l < "$OUT/missing.txt")"; head -20 "$OUT/missing.txt"
else
  log "no nm here; LD_BIND_NOW=1 below resolves every symbol at load instead"
fi

log "style-transfer step-0 losses against PyTorch"
CASE="$OUT/case"; $PY "$HERE/style_case.py" "$CASE" --width 320 --height 240
P=(-p content="$CASE/content.jpg" -p style="$CASE/style.png" -p vgg_weights="$CASE/vgg19.pth" -p size=320 -p iterations=10 -p preview_every=0)
for dev in cuda cpu; do
  LD_BIND_NOW=1 timeout 180 "$WORKER" run style-transfer "${P[@]}" -p device=$dev --out "$OUT/ours-$dev" > "$OUT/ours-$dev.log" 2>&1
  log "ours $dev: exit $?"; tail -3 "$OUT/ours-$dev.log"
done
for ref in "cpu" "cuda" "cuda --no-tf32"; do
  name=$(echo "py-$ref" | tr -d ' -' ); timeout 180 $PY "$HERE/style_reference.py" --content "$CASE/content.jpg" --style "$CASE/style.png" \
    --vgg "$CASE/vgg19.pth" --iterations 10 --device $ref --out "$OUT/$name.jsonl" | tee -a "$OUT/steps.log"
done
for pair in "pycpu ours-cpu" "pycpu ours-cuda" "pycuda ours-cuda" "pycudanotf32 ours-cuda" "pycpu pycuda" "pycpu pycudanotf32"; do
  set -- $pair; b="$OUT/$2/metrics.jsonl"; [ -f "$b" ] || b="$OUT/$2.jsonl"
  $PY "$HERE/compare_losses.py" "$OUT/$1.jsonl" "$b" --label "$1 vs $2" | tee -a "$OUT/compare.jsonl"
done

log "benchmarks: ours, then PyTorch, same device"
for s in 256 512; do
  timeout 240 "$WORKER" bench style-transfer --size $s --device cuda --iterations 30 --warmup 5 --rounds 2 --json > "$OUT/bench-style-$s.log" 2>&1; tail -1 "$OUT/bench-style-$s.log" | tee -a "$OUT/bench.jsonl"
  timeout 240 $PY "$HERE/style_bench.py" --size $s --device cuda --iterations 30 --warmup 5 | tail -1 | tee -a "$OUT/bench.jsonl"
done
timeout 300 "$WORKER" bench cifar-vgg19 --device cuda --width 1 --batch 128 --steps 30 --rounds 3 --json > "$OUT/bench-cifar.log" 2>&1; tail -1 "$OUT/bench-cifar.log" | tee -a "$OUT/bench.jsonl"
timeout 240 $PY "$HERE/cifar_bench.py" --device cuda --width 1 --batch 128 --steps 30 --rounds 3 | tail -1 | tee -a "$OUT/bench.jsonl"
rm -f "$CASE/vgg19.pth"
log done
