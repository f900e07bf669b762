"""Merge the reports of several `netguard bench` runs (for example one per seed, run one after another so that a long
benchmark keeps what it finished) into one report: metrics, tables, trade-off plot and image grids.

    netguard bench --seeds 0 --out b0 ... ; netguard bench --seeds 1 --out b1 ... ; netguard bench --seeds 2 --out b2 ...
    python bench/merge_bench.py b0 b1 b2 --out bench_all [--title TEXT]
"""
import argparse, shutil
from pathlib import Path

from netguard.data import mnist5k
from netguard.eval import read_metrics, write_report

ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
ap.add_argument('runs', nargs='+', help='folders written by netguard bench --out')
ap.add_argument('--out', required=True)
ap.add_argument('--title', default=None)
args = ap.parse_args()
out = Path(args.out); out.mkdir(parents=True, exist_ok=True)
rows, seen = [], set()
for run in map(Path, args.runs):
    for r in read_metrics(run / 'metrics.json'):
        key = (r['attack'], r['defense'], r['seed'])
        if key in seen: raise SystemExit(f"{run}: the row {key} is already in an earlier folder; give each seed once")
        seen.add(key); rows.append(r)
        if r.get('grid') and (run / r['grid']).exists():
            (out / r['grid']).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(run / r['grid'], out / r['grid'])
names = mnist5k(seed=0).private_names if rows and rows[0].get('preset') == 'mnist5k' else None
paths = write_report(rows, out, names=names, title=args.title)
print(f"{len(rows)} rows from {len(args.runs)} runs -> {paths['report']}")
print(paths['table'].read_text())
