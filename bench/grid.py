"""Every attack against every defense on a preset (NetGuard's evaluation), over seeds, with `run_benchmark`.

    python bench/grid.py --seeds 0 1 2          # GMI, KED-MI, Fredrikson, Alignment x original, DP-SGD, Ad-mi, NetGuard
    python bench/grid.py --defenses original --attacks gmi plgmi lomma kedmi mirror_w mirror_b fredrikson alignment \\
        --out bench/results/grid_attacks                # every attack on the undefended target
    python bench/grid.py --seeds 1 --out /tmp/s1 & python bench/grid.py --seeds 2 --out /tmp/s2 & wait   # at once,
    python bench/grid.py --merge /tmp/s1.json /tmp/s2.json                                              # then pooled

Per (model seed, seed, defense, attack): `evaluate`'s row (AA top-1/top-5 and the all-class check per class, MC(all),
MC(l_t), KNN distance, feature FID, the random-G(z) baseline), 32 reconstructions per class at the attacks' CPU
budgets (registered with each attack, `netguard.registry`). Writes OUT.json (the command, the versions, every row) and
OUT.txt (the table, then the per-class table); `--report DIR` also writes `write_report`'s folder there (image grids,
trade-off plot). The default grid takes about 40 minutes a seed on 2 CPU cores (KED-MI retrains its GAN for every
defended model; Ad-mi perturbs every query).
"""

import argparse
from pathlib import Path

import torch

from netguard.cli import run_script
from netguard.defend import parse_settings
from netguard.harness import run_benchmark
from netguard.report import command_line, markdown_table, per_class_table, pool_results, write_result
from netguard.train import get_preset

RESULTS = Path(__file__).parent / 'results'


def tables(rows: list[dict]) -> str:
    "The figure-2 table and the per-class table of `rows`, with the setup above them."
    names = get_preset(rows[0]['preset']).split(0).private_names
    seeds = sorted({r['seed'] for r in rows})
    models = sorted({r.get('model_seed', 0) for r in rows})
    setup = (
        f"{rows[0]['preset']}, l_t = {', '.join(names[c] for c in rows[0]['protected'])}, "
        f"{rows[0]['n']} reconstructions per class, seeds {seeds}, model seeds {models} (mean ± std across runs)"
    )
    return f"{setup}\n\n{markdown_table(rows)}\n## Per class: AA / all-class check\n\n{per_class_table(rows, names)}"


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--preset', default='mnist5k')
    ap.add_argument('--attacks', nargs='+', default=['gmi', 'kedmi', 'fredrikson', 'alignment'])
    ap.add_argument('--defenses', nargs='+', default=['original', 'dpsgd', 'admi', 'netguard'])
    ap.add_argument('--seeds', type=int, nargs='+', default=[0])
    ap.add_argument('--model-seeds', type=int, nargs='+', default=[0], help="the preset's models of these seeds")
    ap.add_argument('--n', type=int, default=32, help='reconstructions per private class')
    ap.add_argument('--protect', type=int, nargs='+', default=[0], help='the protected classes l_t')
    ap.add_argument('--set', nargs='*', default=[], metavar='DEFENSE.KEY=VALUE', help='e.g. dpsgd.epsilon=1')
    ap.add_argument('--device', default=None)
    ap.add_argument('--threads', type=int, default=2)
    ap.add_argument('--report', metavar='DIR', help="also write run_benchmark's report (grids, plots) into DIR")
    ap.add_argument('--merge', nargs='+', metavar='JSON', help='pool the rows of earlier results instead of running')
    ap.add_argument('--out', default=str(RESULTS / 'grid'), help='writes OUT.json and OUT.txt')
    args = ap.parse_args(argv)
    extra = {}
    if args.merge:
        rows, extra['pooled_from'] = pool_results(args.merge)
    else:
        torch.set_num_threads(args.threads)
        bases = [d.partition(':')[0] for d in args.defenses]
        rows = run_benchmark(
            args.preset,
            args.attacks,
            args.defenses,
            args.seeds,
            n=args.n,
            protected=args.protect,
            device=args.device,
            out=args.report,
            defense_options=parse_settings(args.set, bases),
            model_seed=args.model_seeds,
        )
    text = tables(rows)
    print(text)
    write_result(args.out, text, dict(extra, rows=rows), command_line(__file__, argv))


if __name__ == '__main__':
    run_script(main)
