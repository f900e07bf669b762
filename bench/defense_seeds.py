"""The default with and without anchors over five seeds: seeds 0-2 from bench/results/defense_table_full.json (configs
default and default_cap), seeds 3-4 from bench/results/defense_fresh_seeds.json (default and cap_only, the same settings).
Both files were measured with the models the package shipped before 2026-12-01 (bench/results/defense_table_v2.txt has
the current ones).

    python bench/defense_seeds.py
"""
import json, statistics as st
from pathlib import Path
R = Path(__file__).parent / 'results'
full = json.loads((R / 'defense_table_full.json').read_text())
fresh = json.loads((R / 'defense_fresh_seeds.json').read_text())
def rows(cfg_full, cfg_fresh, seeds):
    out = [r for r in full if r['config'] == cfg_full and r.get('part') == 'protect l_t' and r['seed'] in seeds]
    out += [r for r in fresh if r['config'] == cfg_fresh and r.get('part') == 'protect l_t' and r['seed'] in seeds]
    return out
und = {r['seed']: r for r in full + fresh if r['config'] == 'undefended'}
keys = [('AA(0)', lambda r: r['aa']['0']), ('check', lambda r: r['checker']['0']),  # JSON keys are strings
        ('MC(all) drop', lambda r: und[r['seed']]['acc_all'] - r['acc_all']), ('MC(0)', lambda r: r['acc_per_class'][0]),
        ('collateral', lambda r: r['collateral']), ('seed1', lambda r: r['aa_seed1']), ('seed1 chk', lambda r: r['checker_seed1']),
        ('held', lambda r: r['aa_heldout']), ('held chk', lambda r: r['checker_heldout'])]
def fmt(v): return f"{100*st.mean(v):.1f} ± {100*(st.stdev(v) if len(v)>1 else 0):.1f}"
for label, seeds in [('seeds 3-4 (fresh)', [3, 4]), ('seeds 0-4', [0, 1, 2, 3, 4])]:
    print(f"\n{label}\n| row | default (anchor_others=64) | anchor_others=0 |\n|---|---|---|")
    a, b = rows('default', 'default', seeds), rows('default_cap', 'cap_only', seeds)
    for name, f in keys:
        print(f"| {name} | {fmt([f(r) for r in a])} | {fmt([f(r) for r in b])} |")
print('\nper seed, in %: AA(0), check, MC(0), collateral, seed1, held')
for s in range(5):
    for cfgs in [('default', 'default'), ('default_cap', 'cap_only')]:
        for r in rows(*cfgs, [s]): print(s, cfgs[1], [round(100*f(r)) for n, f in keys if n in ('AA(0)', 'check', 'seed1', 'held', 'MC(0)', 'collateral')])
