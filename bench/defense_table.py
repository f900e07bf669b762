"""NetGuard on mnist5k against the prototype's table: the literal patent loss and the working default, several seeds.

    python bench/defense_table.py [--seeds 0 1 2] [--n 64] [--configs patent default] [--out defense_table.json]
    python bench/defense_table.py --tradeoff --values 0.1 1 10 100 [--seeds 0]   # the lam trade-off curve
    python bench/defense_table.py --tradeoff protected_cap --values None 0.95 0.9 0.8 0.7 0.6   # any other setting's
    python bench/defense_table.py --model-seed 1 --seeds 1 --out m1.json          # the same on models trained with seed 1
    python bench/defense_table.py --summarize m0.json m1.json m2.json             # one table over several runs

Per seed and configuration (protected class l_t = 0 unless --protect says otherwise):
  * GMI with the defender's own GAN (Adam, lr 0.02, 200 steps, normal init), n latents per private class:
    evaluator AA per class, all-class checker verdict per class, MC(all), MC(l_t), and the largest AA change on another
    private class against the undefended target attacked with the same seed;
  * unseen attacker 1: a GAN trained with another seed, SGD with momentum (GMI's optimiser), uniform latent init;
  * unseen attacker 2: a GAN trained on the public images plus held-out private-class images (the private test split);
  * all private classes protected at once: MC(all) drop and the worst class's AA.
The models are the cached models of the preset (target, public classifier, GAN, evaluator, checker) for --model-seed
(0 unless told; another model seed also draws another private train/test split and trains every model anew, about 2.6
min); the seed changes the defense's and the attack's randomness. The 'other GAN seed' attacker uses the preset's GAN
of model seed + 1. Attacker GANs are trained once and cached beside the preset's models.
"""
import argparse, json, os, statistics, time

import torch

from netguard.cli import parse_settings
from netguard.defend import netguard
from netguard.invert import gmi
from netguard.models import load_model, save_model
from netguard.train import accuracy, artifact_path, cache_dir, concat, get_preset, mix_seed, predict, pretrained

CONFIGS = {
    # the patent as written: the literal -CE private term, decoy class at random, no replay, no distillation
    'patent': dict(private_loss='literal', decoy_rule='random', replay=0.0, distill=0.0, n_fake=64, protected_cap=None,
                   anchor_others=0),
    'default': dict(),  # NetGuardConfig's defaults
}

ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
ap.add_argument('--seeds', type=int, nargs='+', default=[0, 1, 2])
ap.add_argument('--n', type=int, default=64, help='GMI latents per class')
ap.add_argument('--configs', nargs='+', default=list(CONFIGS))
ap.add_argument('--variant', action='append', default=[], metavar='NAME:KEY=VALUE,...',
                help="an extra configuration: the default with some NetGuardConfig settings changed, e.g. "
                     "'cap:protected_cap=0.6,real_decoys=1' (repeatable; run it with --configs NAME)")
ap.add_argument('--protect', type=int, default=0)
ap.add_argument('--model-seed', type=int, default=0, help="the seed of the preset's models and private split (0: the shipped models)")
ap.add_argument('--tradeoff', nargs='?', const='lam', metavar='KEY',
                help='sweep one NetGuardConfig setting of the default (lam unless named) instead of the full table')
ap.add_argument('--values', '--lams', nargs='+', default=['0.1', '1', '10', '100'],
                help="the values of the --tradeoff setting ('None' for off)")
ap.add_argument('--skip', nargs='*', default=[], help='parts to skip: unseen all')
ap.add_argument('--out', default='defense_table.json')
ap.add_argument('--fresh', action='store_true', help='ignore the rows of an earlier run in --out')
ap.add_argument('--summarize', metavar='JSON', nargs='+', help='only print the tables of (possibly partial) earlier runs, pooled')
args = ap.parse_args()
for v in args.variant:
    name, _, kvs = v.partition(':')
    if not name or not kvs: ap.error(f"--variant wants NAME:KEY=VALUE[,KEY=VALUE...], got {v!r}")
    try: CONFIGS[name] = parse_settings([f'netguard.{kv}' for kv in kvs.split(',')], ['netguard']).get('netguard', {})
    except ValueError as e: ap.error(str(e))
if args.tradeoff:
    try: values = [parse_settings([f'netguard.{args.tradeoff}={v}'], ['netguard'])['netguard'][args.tradeoff] for v in args.values]
    except ValueError as e: ap.error(str(e))
os.environ.setdefault('NETGUARD_QUIET', '1')
torch.set_num_threads(2)

def ms(v):
    return f"{100 * statistics.mean(v):.1f} +- {100 * (statistics.stdev(v) if len(v) > 1 else 0):.1f}"


def key(r):
    "A run's (model seed, seed): rows written before --model-seed existed used the seed-0 models."
    return r.get('model_seed', 0), r['seed']


def summarize(rows, lt, n):
    seeds = sorted({r['seed'] for r in rows}); models = sorted({r.get('model_seed', 0) for r in rows})
    print(f"\nmnist5k, l_t = {lt}, {n} GMI latents per class, seeds {seeds}, model seeds {models} (mean +- std, in %)")
    und = {key(r): r for r in rows if r['config'] == 'undefended'}
    names = [c for c in dict.fromkeys(r['config'] for r in rows) if c != 'undefended']
    for name in names:
        one = [r for r in rows if r['config'] == name and r.get('part') == 'protect l_t']
        if not one: continue
        print(f"\n## {name}")
        print("| measure | value |\n|---|---|")
        print(f"| GMI AA(l_t), the defender's own GAN | {ms([r['aa'][lt] for r in one])} (undefended {ms([und[key(r)]['aa'][lt] for r in one])}) |")
        print(f"| all-class check on l_t reconstructions | {ms([r['checker'][lt] for r in one])} (undefended {ms([und[key(r)]['checker'][lt] for r in one])}) |")
        print(f"| MC(all) drop, points | {ms([und[key(r)]['acc_all'] - r['acc_all'] for r in one])} |")
        print(f"| MC(l_t) | {ms([r['acc_per_class'][lt] for r in one])} |")
        print(f"| largest AA change on another private class, points | {ms([r['collateral'] for r in one])} |")
        for kind, what in [('seed1', 'unseen attacker: GAN with another seed + SGD + uniform init'),
                           ('heldout', 'unseen attacker: GAN on public + held-out private-class images')]:
            if f'aa_{kind}' in one[0]:
                print(f"| {what} | {ms([r[f'aa_{kind}'] for r in one])} (undefended {ms([und[key(r)][f'aa_{kind}'] for r in one])}); "
                      f"checker {ms([r[f'checker_{kind}'] for r in one])} |")
        allp = [r for r in rows if r['config'] == name and r.get('part') == 'protect all']
        if allp:
            print(f"| all classes protected: MC(all) drop / worst class AA | {ms([und[key(r)]['acc_all'] - r['acc_all'] for r in allp])} / "
                  f"{ms([r['worst_aa'] for r in allp])} |")
        print(f"| seconds per defense (l_t) | {statistics.mean(r['seconds'] for r in one):.0f} |")


def curve(rows, lt):
    "One line per value of a --tradeoff sweep (configs named KEY=VALUE), mean +- std over seeds."
    names = [c for c in dict.fromkeys(r['config'] for r in rows) if '=' in c]
    if not names: return
    print(f"\n## trade-off: {', '.join(names)}")
    print("| setting | MC(all) | MC(l_t) | AA(l_t) | all-class check | unseen: other GAN seed (check) | unseen: held-out GAN (check) |")
    print("|---|---|---|---|---|---|---|")
    for name in names:
        one = [r for r in rows if r['config'] == name and r.get('part') == 'protect l_t']
        cells = [ms([r['acc_all'] for r in one]), ms([r['acc_per_class'][lt] for r in one]), ms([r['aa'][lt] for r in one]),
                 ms([r['checker'][lt] for r in one])]
        cells += [f"{ms([r[f'aa_{k}'] for r in one])} ({ms([r[f'checker_{k}'] for r in one])})" if f'aa_{k}' in one[0] else '-'
                  for k in ('seed1', 'heldout')]
        print(f"| {name} | {' | '.join(cells)} |")


if args.summarize:
    rows = [r for f in args.summarize for r in json.load(open(f))]
    for r in rows:  # JSON turned class keys into strings
        for k in ('aa', 'checker'): r[k] = {int(c): v for c, v in r.get(k, {}).items()}
    summarize(rows, args.protect, args.n); curve(rows, args.protect); raise SystemExit

P, MS = get_preset('mnist5k'), args.model_seed
split = P.split(MS)
target, public, (G, D) = pretrained(P, 'target', MS), pretrained(P, 'public', MS), pretrained(P, 'gan', MS)
ev, ck = pretrained(P, 'evaluator', MS), pretrained(P, 'checker', MS)
labels, lt = list(range(split.num_private)), args.protect


def attacker_gan(kind):
    "The unseen attackers' GANs: 'seed1' (same data, another seed) or 'heldout' (public + held-out private-class images)."
    if kind == 'seed1': return pretrained(P, 'gan', seed=MS + 1)
    path = cache_dir() / P.name / f'attacker-gan-{kind}-{artifact_path(P, "gan", MS).stem}.pt'
    if not path.exists():
        s = P.gan
        torch.manual_seed(mix_seed(MS, 11))
        g, d = s.networks(P.image_shape)
        data = concat(split.public, split.private_test)  # labels are not used by the GAN
        s.train(g, d, data, seed=MS)
        save_model(g, path); save_model(d, path.with_name(path.stem + '-D.pt'))
    return load_model(path), load_model(path.with_name(path.stem + '-D.pt'))


def attack(model, seed, classes, gan=(G, D), **kw):
    opts = dict(settings=None, steps=200, lr=0.02); opts.update(kw)
    x, y = gmi(model, gan[0], gan[1], classes, args.n, seed=seed, progress=False, **opts).flat()
    pe, pc = predict(ev, x).argmax(1), predict(ck, x).argmax(1)
    return ({c: (pe[y == c] == c).float().mean().item() for c in classes}, {c: (pc[y == c] == c).float().mean().item() for c in classes})


UNSEEN = {'seed1': dict(optimizer='sgd', momentum=0.9, lr=0.02, init='uniform'), 'heldout': dict()}


def evaluate(model, seed, unseen=True):
    acc = accuracy(model, split.private_test, per_class=True)
    aa, chk = attack(model, seed, labels)
    row = dict(acc_all=sum(acc) / len(acc), acc_per_class=acc, aa=aa, checker=chk)
    if unseen and 'unseen' not in args.skip:
        for kind, kw in UNSEEN.items():
            a, c = attack(model, seed, [lt], gan=attacker_gan(kind), **kw)
            row[f'aa_{kind}'], row[f'checker_{kind}'] = a[lt], c[lt]
    return row


rows, t_start = [], time.perf_counter()
if os.path.exists(args.out) and not args.fresh:  # resume: keep the rows an interrupted run already wrote
    rows = json.load(open(args.out))
    for r in rows:
        for k in ('aa', 'checker'): r[k] = {int(c): v for c, v in r.get(k, {}).items()}
    print(f'resuming: {len(rows)} rows already in {args.out} (--fresh to start over)', flush=True)


def done(config, seed, part=None):
    "The row an earlier run wrote for this job, unless it lacks the unseen attackers that this run asks for."
    r = next((r for r in rows if r['config'] == config and key(r) == (MS, seed) and r.get('part') == part), None)
    if r is not None and part != 'protect all' and 'unseen' not in args.skip and 'aa_seed1' not in r:
        rows.remove(r); return None
    return r


def log(row):
    rows.append(row); json.dump(rows, open(args.out, 'w'), indent=1)
    show = {k: (round(v, 3) if isinstance(v, float) else v) for k, v in row.items() if k not in ('acc_per_class', 'aa', 'checker')}
    print(json.dumps(dict(show, aa={c: round(v, 2) for c, v in row.get('aa', {}).items()},
                         checker={c: round(v, 2) for c, v in row.get('checker', {}).items()})), flush=True)


for seed in args.seeds:
    base = done('undefended', seed)
    if base is None:
        base = evaluate(target, seed)
        log(dict(model_seed=MS, config='undefended', seed=seed, **base))
    jobs = ([(f'{args.tradeoff}={v}', {args.tradeoff: v}) for v in values] if args.tradeoff else [(c, CONFIGS[c]) for c in args.configs])
    for name, cfg in jobs:
        if not done(name, seed, 'protect l_t'):
            t = time.perf_counter()
            res = netguard(target, public, (G, D), split.private_train, split.public, [lt], seed=seed, **cfg)
            secs = time.perf_counter() - t
            row = evaluate(res.model, seed)
            row['collateral'] = max(abs(row['aa'][c] - base['aa'][c]) for c in labels if c != lt)
            log(dict(model_seed=MS, config=name, seed=seed, part='protect l_t', decoys=res.report['decoys'], seconds=secs, **row))
        if args.tradeoff or 'all' in args.skip or done(name, seed, 'protect all'): continue
        t = time.perf_counter()
        res = netguard(target, public, (G, D), split.private_train, split.public, labels, seed=seed, **cfg)
        secs = time.perf_counter() - t
        acc = accuracy(res.model, split.private_test, per_class=True)
        aa, chk = attack(res.model, seed, labels)
        log(dict(model_seed=MS, config=name, seed=seed, part='protect all', decoys=res.report['decoys'], seconds=secs, acc_all=sum(acc) / len(acc),
                 acc_per_class=acc, aa=aa, checker=chk, worst_aa=max(aa.values())))


summarize(rows, lt, args.n)
curve(rows, lt)
print(f'{time.perf_counter() - t_start:.0f} s in all')
