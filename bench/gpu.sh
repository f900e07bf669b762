#!/usr/bin/env bash
# The GPU measurements, one after another, on a machine with a CUDA GPU and netguard installed:
#   bash bench/gpu.sh OUTDIR
# 1. batched vs per-class inversion on CUDA (bench/invert_batched.py), alone on the GPU;
# 2. `netguard bench` (GMI, KED-MI, Fredrikson, Alignment x Original, DP-SGD, Ad-mi, NetGuard), seeds 0-2 run at once
#    (one process per seed, one GPU), then merged by bench/merge_bench.py;
# 3. training everything the preset needs from an empty cache on CUDA (bench/train_cache.py);
# 4. `netguard demo` on CUDA, timed.
# Each step has a time limit (seconds) so that one slow step cannot starve the others; ONLY='bench demo' runs some steps.
set -u
OUT=${1:-gpu_out}; mkdir -p "$OUT"
export NETGUARD_QUIET=1 PYTHONUNBUFFERED=1
NG=${NETGUARD:-netguard}
want() { [ -z "${ONLY:-}" ] || [[ " $ONLY " == *" $1 "* ]]; }
step() { local name=$1 limit=$2; shift 2; want "$name" || return 0; echo "== $name (limit ${limit}s)"; local t0=$(date +%s.%N)
  timeout "$limit" "$@" > "$OUT/$name.log" 2>&1; local rc=$?
  echo "== $name: rc=$rc, $(python3 -c "print(round($(date +%s.%N)-$t0,1))") s"; tail -n 25 "$OUT/$name.log"; }
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader
python3 -c "import torch; print('torch', torch.__version__, 'cuda', torch.cuda.is_available())"
step invert_batched ${T_INVERT:-120} python3 bench/invert_batched.py --device cuda --n 4 16 64 256 --steps 100 --threads 4
B=$(mktemp -d); t0=$(date +%s.%N)
if want bench; then
echo "== bench, seeds 0 1 2 at once (limit ${T_BENCH:-330}s)"
for s in 0 1 2; do
  timeout ${T_BENCH:-330} $NG bench --preset mnist5k --attacks gmi kedmi fredrikson alignment \
    --defenses original dpsgd admi netguard --seeds $s --device cuda --out "$B/s$s" > "$OUT/bench_s$s.log" 2>&1 &
done
wait
echo "== bench: $(python3 -c "print(round($(date +%s.%N)-$t0,1))") s wall for 3 seeds"
python3 bench/merge_bench.py "$B/s0" "$B/s1" "$B/s2" --out "$B/merged" --title "netguard bench on mnist5k, CUDA" > "$OUT/merge.log" 2>&1; cat "$OUT/merge.log" | tail -n 40
tar czf "$OUT/bench.tgz" -C "$B" . 2>/dev/null
fi
step train_cache ${T_TRAIN:-150} python3 bench/train_cache.py --device cuda --threads 4
step demo ${T_DEMO:-100} $NG demo --device cuda --out "$B/demo"
[ -f "$B/demo/report.md" ] && cp "$B/demo/report.md" "$OUT/demo_report.md" || true
