"""The field's defenses beside NetGuard on `mnist5k`: every defense x attacker, model seeds 0-2, per class.

    python bench/field_table.py --group baselines      # one group's benchmark; run it again to resume it
    python bench/field_table.py --group field --shard 0/2   # half of a group (then the other half, then --merge)
    python bench/field_table.py --table                # the table and the frontier figure from every group's rows

Each group is one `run_benchmark` plan whose rows go to bench/results/field_grid/GROUP/ (metrics.json, plan.json and
the grids), so a killed run resumes row by row:
- baselines: undefended, NetGuard protecting 0, DP-SGD at epsilon 8 and 1, Ad-mi;
- field: MID, BiDO, NegLS, TL-DMI and Trap-MID, each at its two operating points (`operating_points` of
  bench/results/field_sweep.json: the strongest setting within 1 and within 3 points of MC(all));
- stacks: NetGuard (protecting 0) on top of NegLS, Trap-MID and TL-DMI at their 1-point operating points;
- all5: NetGuard protecting all five private digits;
- strong: LOMMA and KED-MI (as bench/attack_strength.py runs them, `--steps` steps) from the defender's own prior,
  against the undefended target, NetGuard and each field defense at its 1-point operating point;
- shift: on mnist5k-shift (public data of printed 0-9), the undefended target and the three variants protecting 0
  closest to the goal on mnist5k at <= 3 points (`best_variants`), from the own, another seed's and the held-out prior.
NetGuard runs at `FULL_SIZE` (256 fakes, 64 anchors, 200 inversion steps), alone and on a training-time defense.
Attackers of the first four: GMI with PLG-MI's max-margin loss (clip 1) from the defender's own prior, another model
seed's ('mnist5k:+1'), the held-out fonts' ('mnist5k-heldout') and mnist5k-shift's, `--n` latents per class and
`--steps` steps (the sizes are argued in bench/README.md). `--table` writes OUT.txt/OUT.json (per attacker: AA /
all-class check / random-G baseline per class, MC(all), MC(0), seconds of defense; each variant against the goal; then
the strong and shift groups' tables) and OUT.png (the frontier).
"""

import argparse
from pathlib import Path

import torch

import netguard.field  # noqa: F401  (registers the field's defenses)
from netguard.cli import run_script
from netguard.data import HELD_OUT_FONTS
from netguard.defend import at_full_size
from netguard.field import SWEEPS, field_table, goal_ranking, goal_table, operating_points, plot_frontier
from netguard.harness import run_benchmark
from netguard.report import command_line, read_result, write_result
from netguard.train import get_preset, pretrained

RESULTS = Path(__file__).parent / 'results'
GRID = RESULTS / 'field_grid'
HELD_OUT = 'mnist5k-heldout'
PRIORS = ['own', 'mnist5k:+1', HELD_OUT, 'mnist5k-shift']


def prior(spec: str):
    "A prior for `run_benchmark`: None (the defender's own), a `prior_spec` name, or the held-out fonts' GAN."
    if spec != HELD_OUT:
        return None if spec == 'own' else spec
    preset = get_preset('mnist5k-shift', data_kwargs=dict(fonts=list(HELD_OUT_FONTS)))
    return HELD_OUT, lambda ms: pretrained(preset, 'gan', ms, 'cpu')


def field_variants(drops=(1, 3)) -> list[str]:
    "Each field defense at its operating points (bench/results/field_sweep.json), as defense variants."
    points = operating_points(read_result(RESULTS / 'field_sweep.json')['rows'], drops)
    out = []
    for name, pts in points.items():
        for d in drops:
            if pts[d] is not None:
                key = SWEEPS[name][0]
                extra = f',lam_x={pts[d] / 10:g}' if name == 'bido' else ''
                out.append(f'{name}:{key}={pts[d]:g}{extra}')
    return list(dict.fromkeys(out))


def stack_variants() -> list[str]:
    points = operating_points(read_result(RESULTS / 'field_sweep.json')['rows'], (1,))
    out = []
    for name in ('negls', 'trapmid', 'tldmi'):
        v = points.get(name, {}).get(1)
        out.append(f'{name}+netguard' + (f':{name}_{SWEEPS[name][0]}={v:g}' if v is not None else ''))
    return out


def best_variants(k=3, max_drop=0.03) -> list[str]:
    """The `k` variants protecting 0 closest to the goal on mnist5k (`goal_ranking` of bench/results/field_table.json)
    among those at most `max_drop` of MC(all) below the undefended target."""
    ranked = goal_ranking(read_result(RESULTS / 'field_table.json')['rows'])
    return [d['defense'] for d in ranked if d['protected'] == [0] and d['drop'] <= max_drop][:k]


GMI = 'gmi:loss=max_margin,clip=1.0'
STRONG = ['lomma:loss=logit,clip=1.0', 'kedmi:loss=max_margin,clip=1.0']  # as bench/attack_strength.py runs them
GROUPS = {  # group -> (its defense variants, made when the group runs; the classes NetGuard protects)
    'baselines': (lambda: ['original', 'netguard', 'dpsgd:epsilon=8', 'dpsgd:epsilon=1', 'admi'], [0]),
    'field': (field_variants, [0]),
    'stacks': (stack_variants, [0]),
    'all5': (lambda: ['netguard'], [0, 1, 2, 3, 4]),
    # LOMMA and KED-MI from the defender's own prior: the undefended target, NetGuard, each field defense at 1 point
    'strong': (lambda: ['original', 'netguard', *field_variants((1,))], [0]),
    # mnist5k-shift (public data of printed 0-9): the undefended target and the three variants closest to the goal
    'shift': (lambda: ['original', *best_variants()], [0]),
}
SETUP = {  # group -> (preset, attacks, priors) where it is not mnist5k, GMI max-margin, PRIORS
    'strong': ('mnist5k', STRONG, ['own']),
    'shift': ('mnist5k-shift', [GMI], ['own', 'mnist5k-shift:+1', HELD_OUT]),
}


def run_group(name: str, args) -> list[dict]:
    (variants, protected), out = GROUPS[name], GRID / name
    preset, attacks, priors = SETUP.get(name, ('mnist5k', [GMI], PRIORS))
    kw = dict(shard=args.shard) if args.shard else {}
    variants = variants()
    return run_benchmark(
        preset, attacks, variants, [0], defense_options=at_full_size(variants), n=args.n, protected=protected,
        device='cpu', progress=not args.quiet, model_seed=args.model_seeds, priors=[prior(p) for p in priors],
        attack_options={a.partition(':')[0]: dict(steps=args.steps) for a in attacks}, fid=False, out=out,
        resume=(out / 'metrics.json').exists(), title=f'field grid: {name}', **kw,
    )  # fmt: skip


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--group', choices=list(GROUPS))
    ap.add_argument('--table', action='store_true', help="pool every group's rows into the table and the figure")
    ap.add_argument('--model-seeds', type=int, nargs='+', default=[0, 1, 2])
    ap.add_argument('--n', type=int, default=32, help='reconstructions per class')
    ap.add_argument('--steps', type=int, default=300, help="GMI's steps")
    ap.add_argument('--shard', help='I/N: run the I-th of N shares of the group (then merge them)')
    ap.add_argument('--threads', type=int, default=2)
    ap.add_argument('--quiet', action='store_true')
    ap.add_argument('--out', default=str(RESULTS / 'field_table'), help='--table writes OUT.txt, OUT.json, OUT.png')
    args = ap.parse_args(argv)
    if not (args.table or args.group):
        ap.error('give --group GROUP to run one, or --table to write the table')
    torch.set_num_threads(args.threads)
    if args.group:
        run_group(args.group, args)
    if args.table:
        files = [GRID / g / 'metrics.json' for g in GROUPS]
        pooled = [r for f in files if f.exists() for r in read_result(f)['rows']]
        more = {}
        for r in pooled:
            more.setdefault((r['preset'], r['attack']), []).append(r)
        rows = more.pop(('mnist5k', GMI), [])
        text, data = field_table(rows)
        text += '\n\nThe goal (check on 0 <= 0.10 against both priors that draw printed 0s, <= 1 point of MC(all)):\n\n'
        text += goal_table(rows)
        for (preset, attack), rs in more.items():
            text += f'\n\n{preset}, {attack}:\n\n' + field_table(rs)[0]
        more = [r for rs in more.values() for r in rs]
        write_result(args.out, text, dict(data, rows=rows, more=more), command_line(__file__, argv))
        plot_frontier(rows).savefig(args.out + '.png', dpi=110, bbox_inches='tight')
        print(text)


if __name__ == '__main__':
    run_script(main)
