#!/usr/bin/env bash
# The GPU measurements, one after another, on a machine with a CUDA GPU and netguard installed:
#   bash bench/gpu.sh [OUT]          (OUT: default bench/results/gpu_h200; logs go to OUT/logs/)
# 1. batched vs per-class inversion on CUDA (bench/invert_batched.py), alone on the GPU;
# 2. bench/grid.py (GMI, KED-MI, Fredrikson, Alignment x original, DP-SGD, Ad-mi, NetGuard), seeds 0-2 at once (one
#    process per seed, one GPU), then pooled by bench/grid.py --merge into OUT/grid.{json,txt};
# 3. training everything the preset needs from an empty cache on CUDA (bench/train_cache.py);
# 4. every attack at 64 px (bench/attacks_64px.py);
# 5. `netguard demo` on CUDA, timed;
# 6. each step kind's FLOP rate as a ratio of the GPU's peak (bench/peak.py);
# 7. the demo, one defense and all five before and after (bench/demo_speed.py).
# Each step has a time limit (seconds) so that one slow step cannot starve the others; ONLY='grid demo' runs some steps.
set -u
OUT=${1:-bench/results/gpu_h200}; mkdir -p "$OUT/logs"
export NETGUARD_QUIET=1 PYTHONUNBUFFERED=1
NG=${NETGUARD:-netguard}
want() { [ -z "${ONLY:-}" ] || [[ " $ONLY " == *" $1 "* ]]; }
step() { local name=$1 limit=$2; shift 2; want "$name" || return 0; echo "== $name (limit ${limit}s)"; local t0=$(date +%s.%N)
  timeout "$limit" "$@" > "$OUT/logs/$name.log" 2>&1; local rc=$?
  echo "== $name: rc=$rc, $(python3 -c "print(round($(date +%s.%N)-$t0,1))") s"; tail -n 25 "$OUT/logs/$name.log"; }
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader
python3 -c "import torch; print('torch', torch.__version__, 'cuda', torch.cuda.is_available())"
step invert_batched ${T_INVERT:-120} python3 bench/invert_batched.py --device cuda --n 4 16 64 256 --steps 100 --threads 4 \
  --out "$OUT/invert_batched"
if want grid; then
  B=$(mktemp -d); t0=$(date +%s.%N)
  echo "== grid, seeds 0 1 2 at once (limit ${T_GRID:-330}s)"
  for s in 0 1 2; do
    timeout ${T_GRID:-330} python3 bench/grid.py --seeds $s --device cuda --out "$B/s$s" --report "$B/r$s" \
      > "$OUT/logs/grid_s$s.log" 2>&1 &
  done
  wait
  echo "== grid: $(python3 -c "print(round($(date +%s.%N)-$t0,1))") s wall for 3 seeds"
  # a seed stopped by its time limit left no s$s.json, but its report's metrics.json has every run it finished
  runs=(); for s in 0 1 2; do if [ -f "$B/s$s.json" ]; then runs+=("$B/s$s.json"); elif [ -f "$B/r$s/metrics.json" ]; then
    runs+=("$B/r$s/metrics.json"); fi; done
  [ ${#runs[@]} -gt 0 ] && python3 bench/grid.py --merge "${runs[@]}" --out "$OUT/grid" | tail -n 40
fi
step train_cache ${T_TRAIN:-150} python3 bench/train_cache.py --device cuda --threads 4 --out "$OUT/train_cache"
step attacks_64px ${T_64PX:-200} python3 bench/attacks_64px.py --device cuda --out "$OUT/attacks_64px"
step demo ${T_DEMO:-100} $NG demo --device cuda --out "$OUT/demo"
step peak ${T_PEAK:-120} python3 bench/peak.py --device cuda --matmul 8192 --latents 4096 --out "$OUT/peak"
step demo_speed ${T_SPEED:-200} python3 bench/demo_speed.py --device cuda --threads 4 --out "$OUT/demo_speed"
[ -f "$OUT/demo/report.md" ] && mv "$OUT/demo/report.md" "$OUT/demo_report.md" && rm -rf "$OUT/demo" || true
