"""NetGuard's default and the patent as written, attacked from the defender's GAN and from priors it never saw.

Over seeds and model seeds, with `netguard.harness.run_benchmark`:

    python bench/defense_table.py --seeds 0 1 2                      # the table, l_t = 0
    python bench/defense_table.py --model-seeds 0 1 2 --seeds 0      # over three sets of models (and private splits)
    python bench/defense_table.py --seeds 0 1 2 --protect-all        # and every private class protected at once
    python bench/defense_table.py --defenses original netguard --priors own --seeds 0 \\
        --sweep netguard.protected_cap None 0.95 0.9 0.8 0.7 0.6 --out bench/results/defense_sweep   # a setting's curve
    python bench/defense_table.py --merge A.json B.json              # pool earlier runs (e.g. one per seed) into one

Defenses: 'original', 'netguard' (NetGuardConfig's defaults), 'netguard:patent' (the literal -CE private term, a random
decoy, no replay, distillation, cap or anchors, 64 fakes per class), or any 'netguard:KEY=VALUE,...'. Priors (the GANs
the attack searches): 'own' (the defender's), 'PRESET:+1' (the preset's GAN of the next model seed: the same public
data, other weights), 'mnist5k-shift' (a GAN trained on other images, among them digits of the private classes). The
attack is GMI, 64 latents per private class, Adam lr 0.02, 200 steps (GMI's registered budget,
`netguard.registry.ATTACKS['gmi'].budget`). Model seeds other than 0 train their models first (about 3 minutes each,
then cached). On 2 CPU cores the default table takes about 15 minutes
a seed; --protect-all adds about 20.
"""

import argparse
import statistics
from pathlib import Path

import torch

from netguard.cli import run_script
from netguard.harness import run_benchmark
from netguard.report import command_line, markdown_table, pool_results, write_result

RESULTS = Path(__file__).parent / 'results'
PATENT = dict(
    private_loss='literal', decoy_rule='random', replay=0.0, distill=0.0, n_fake=64, protected_cap=None, anchor_others=0
)
LT_METRICS = ('aa_top1', 'all_class', 'acc_drop', 'acc_protected', 'collateral')
ALL_METRICS = ('acc_drop', 'aa_top1_max', 'all_class')


def tables(rows: list[dict]) -> str:
    "One table per protected set (l_t alone; all classes), then the seconds each defense took."
    parts = list(dict.fromkeys(tuple(r['protected']) for r in rows if r['defense'] != 'original'))
    originals = [r for r in rows if r['defense'] == 'original']
    out = [
        f"GMI, {rows[0]['n']} latents per class, seeds {sorted({r['seed'] for r in rows})}, model seeds "
        f"{sorted({r.get('model_seed', 0) for r in rows})} (mean ± std across runs; fractions)"
    ]
    for prot in parts or [tuple(originals[0]['protected'])]:
        part = [r for r in rows if tuple(r['protected']) == prot and r['defense'] != 'original']
        priors = {r.get('prior') for r in part} if part else {r.get('prior') for r in originals}
        # the undefended runs, read as protecting the same classes, are what every part is compared with
        part = [dict(r, protected=list(prot)) for r in originals if r.get('prior') in priors] + part
        metrics = LT_METRICS if len(prot) == 1 else ALL_METRICS
        out += [f"\n## Protecting {', '.join(map(str, prot))}\n", markdown_table(part, metrics)]
    secs = {}
    for r in rows:
        secs.setdefault((r['defense'], tuple(r['protected'])), {})[(r.get('model_seed', 0), r['seed'])] = r[
            'defense_seconds'
        ]
    out.append(
        'Seconds per defense: '
        + ', '.join(
            f"{d} (protects {', '.join(map(str, p))}) {statistics.fmean(v.values()):.0f}" for (d, p), v in secs.items()
        )
    )
    return '\n'.join(out)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--preset', default='mnist5k')
    ap.add_argument('--defenses', nargs='+', default=['original', 'netguard', 'netguard:patent'])
    ap.add_argument('--priors', nargs='+', default=['own', 'mnist5k:+1', 'mnist5k-shift'])
    ap.add_argument('--seeds', type=int, nargs='+', default=[0, 1, 2])
    ap.add_argument('--model-seeds', type=int, nargs='+', default=[0])
    ap.add_argument('--n', type=int, default=64, help='GMI latents per private class')
    ap.add_argument('--protect', type=int, default=0, help='the protected class l_t')
    ap.add_argument('--protect-all', action='store_true', help='also protect every private class at once (own GAN)')
    ap.add_argument(
        '--sweep', nargs='+', metavar=('DEFENSE.KEY', 'VALUE'), help='one variant per value, e.g. netguard.lam 1 10'
    )
    ap.add_argument('--steps', type=int, default=None, help="GMI steps (default: GMI's registered budget)")
    ap.add_argument('--threads', type=int, default=2)
    ap.add_argument('--merge', nargs='+', metavar='JSON', help='pool the rows of earlier results instead of running')
    ap.add_argument('--out', default=str(RESULTS / 'defense_table'), help='writes OUT.json and OUT.txt')
    args = ap.parse_args(argv)
    if args.sweep is not None and len(args.sweep) < 2:
        ap.error('--sweep wants DEFENSE.KEY and at least one value')
    extra = {}
    if args.merge:
        rows, extra['pooled_from'] = pool_results(args.merge)
    else:
        torch.set_num_threads(args.threads)
        kw = dict(
            n=args.n,
            attack_options={'gmi': {} if args.steps is None else dict(steps=args.steps)},
            defense_options={'netguard:patent': PATENT} if 'netguard:patent' in args.defenses else None,
            model_seed=args.model_seeds,
            sweep=(args.sweep[0], args.sweep[1:]) if args.sweep else None,  # values as text: read like --set
        )
        priors = [None if p == 'own' else p for p in args.priors]
        rows = run_benchmark(
            args.preset, ['gmi'], args.defenses, args.seeds, protected=[args.protect], priors=priors, **kw
        )
        defended = [d for d in args.defenses if d != 'original']  # the undefended rows above serve both parts
        if args.protect_all and defended:
            every = sorted({c for r in rows for c in r['aa_top1']})
            rows += run_benchmark(args.preset, ['gmi'], defended, args.seeds, protected=every, **kw)
    text = tables(rows)
    print(text)
    write_result(args.out, text, dict(extra, rows=rows), command_line(__file__, argv))


if __name__ == '__main__':
    run_script(main)
