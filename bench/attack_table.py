"""Every attack against the undefended `mnist5k` target, per private class, over several attack seeds.

    python bench/attack_table.py [--seeds 0 1 2] [--n 64] [--out attack_table.json]

For each attack and class: top-1 attack accuracy by the evaluation classifier (AA) and the all-class checker's verdict
(the fraction it assigns to the attacked class rather than to any other private or public class), with the same two
numbers for random G(z) samples as the baseline. Mean and spread (std) across seeds. The models (target, GAN,
evaluator, checker) are the cached seed-0 models of the preset; the attack seed changes the attack's random
initialisation (and KED-MI's GAN and Alignment's inversion network, which are retrained per seed).
"""
import argparse, json, os, statistics, time

import torch

from netguard.invert import prepare_attack, run_attack
from netguard.train import get_preset, predict, pretrained

ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
ap.add_argument('--seeds', type=int, nargs='+', default=[0, 1, 2])
ap.add_argument('--n', type=int, default=32, help='reconstructions per class')
ap.add_argument('--attacks', nargs='+', default=['gmi', 'gmi_patent', 'kedmi', 'mirror_w', 'mirror_b', 'fredrikson', 'alignment'])
ap.add_argument('--out', default='attack_table.json')
args = ap.parse_args()
os.environ.setdefault('NETGUARD_QUIET', '1')
torch.set_num_threads(2)

preset = get_preset('mnist5k')
split = preset.split(0)
target, (G, D) = pretrained(preset, 'target'), pretrained(preset, 'gan')
evaluator, checker = pretrained(preset, 'evaluator'), pretrained(preset, 'checker')
labels = list(range(split.num_private))
CONFIGS = {  # name -> (attack, options)
    'gmi': ('gmi', dict(steps=200, lr=0.02)),
    'gmi_patent': ('gmi', dict(settings='patent')),
    'kedmi': ('kedmi', dict(steps=200)),
    'mirror_w': ('mirror_w', dict(steps=200)),
    'mirror_b': ('mirror_b', dict(population=128, generations=60)),
    'fredrikson': ('fredrikson', dict(steps=200, init='random')),
    'alignment': ('alignment', dict()),
}
PREP = {'kedmi': dict(steps=800), 'alignment': dict(steps=1000)}


def verdicts(x, y):
    "Per class: evaluator top-1 accuracy and all-class checker agreement."
    pe, pc = predict(evaluator, x).argmax(1), predict(checker, x).argmax(1)
    return ({c: (pe[y == c] == c).float().mean().item() for c in labels},
            {c: (pc[y == c] == c).float().mean().item() for c in labels})


rows = []
for seed in args.seeds:
    # baseline: random G(z) samples, read as "class c" by each judge
    z = torch.randn(len(labels) * args.n, G.z_dim, generator=torch.Generator().manual_seed(seed))
    with torch.no_grad(): x = G(z)
    pe, pc = predict(evaluator, x).argmax(1), predict(checker, x).argmax(1)
    rows.append(dict(attack='random G(z)', seed=seed, seconds=0.0, aa={c: (pe == c).float().mean().item() for c in labels},
                     checker={c: (pc == c).float().mean().item() for c in labels}))
    for name in args.attacks:
        attack, opts = CONFIGS[name]
        t = time.perf_counter()
        models = prepare_attack(attack, target, gan=(G, D), public=split.public, seed=seed, **PREP.get(attack, {}))
        res = run_attack(attack, target, models, labels, args.n, seed=seed, **opts)
        x, y = res.flat()
        aa, chk = verdicts(x, y)
        rows.append(dict(attack=name, seed=seed, seconds=time.perf_counter() - t, aa=aa, checker=chk))
        print(f"seed {seed} {name:11s} {rows[-1]['seconds']:6.1f} s  AA {sum(aa.values()) / len(aa):.3f}  "
              f"checker {sum(chk.values()) / len(chk):.3f}", flush=True)

json.dump(rows, open(args.out, 'w'), indent=1)


def ms(vals):
    return f"{statistics.mean(vals):.2f}+-{statistics.stdev(vals) if len(vals) > 1 else 0:.2f}"


print(f"\nmnist5k, undefended target, {args.n} reconstructions per class, seeds {args.seeds}: mean+-std across seeds")
head = ' | '.join(f'class {c} AA / checker' for c in labels)
print(f"| attack | {head} | all classes AA / checker | seconds |")
print('|---' * (len(labels) + 3) + '|')
for name in ['random G(z)'] + args.attacks:
    rs = [r for r in rows if r['attack'] == name]
    cells = [f"{ms([r['aa'][c] for r in rs])} / {ms([r['checker'][c] for r in rs])}" for c in labels]
    allc = f"{ms([sum(r['aa'].values()) / len(labels) for r in rs])} / {ms([sum(r['checker'].values()) / len(labels) for r in rs])}"
    print(f"| {name} | {' | '.join(cells)} | {allc} | {statistics.mean(r['seconds'] for r in rs):.0f} |")
