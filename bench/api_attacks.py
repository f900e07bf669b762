"""The attacks a served model meets (BREP-MI from labels, RLB-MI and Mirror-B from scores) and PLG-MI as published,
on the undefended targets of mnist5k and mnist5k-shift, model seeds 0-2, per class.

    python bench/api_attacks.py                          # every preset's undefended targets; run it again to resume
    python bench/api_attacks.py --defenses original admi netguard dpsgd:epsilon=8   # the same against defenses
    python bench/api_attacks.py --table                  # the table from every preset's rows so far
    python bench/api_attacks.py --defenses original admi netguard --shard 0/2   # half the units (0/2 and 1/2 at once)
    python bench/api_attacks.py --presets mnist5k --model-seeds 0 --classes 0 1 --n 2 --set rlb_mi.episodes=20 \\
        --prep plgmi_cgan.steps=2 --out /tmp/api                                # a smoke run (keeps bench/results)

A thin `main()` over `netguard.harness.run_benchmark`: each preset is one plan whose rows go to OUT_grid/PRESET/
(metrics.json, plan.json, the image grids), so a killed run resumes row by row. Each attack runs with its registered
CPU budget (`--set ATTACK.KEY=VALUE` changes a setting, `--prep ATTACK.KEY=VALUE` an option of its preparation, e.g.
PLG-MI's cGAN), from the preset's own GAN. The label-only and score-based attacks reach the target only through the
query API `run_attack` serves it behind, which counts the images they send. OUT.txt/OUT.json: per preset, defense and
attack, the evaluator's AA and the all-class check averaged over the attacked classes, beside the same two numbers for
random samples G(z) of the GAN (mean +- std over model seeds), the queries per reconstruction, the seconds of the attack
(its preparation included: PLG-MI trains its cGAN per target), then AA / all-class check per class.
"""

import argparse
import statistics
from pathlib import Path

import torch

from netguard.cli import run_script
from netguard.defend import at_full_size, setting_value
from netguard.harness import run_benchmark
from netguard.report import command_line, mean_std, per_class_table, read_result, write_result

RESULTS = Path(__file__).parent / 'results'
ATTACKS = ['brep_mi', 'rlb_mi', 'mirror_b', 'plgmi_cgan']
PRESETS = ['mnist5k', 'mnist5k-shift']


def options(items) -> dict:
    "`{'ATTACK': {KEY: VALUE}}` of 'ATTACK.KEY=VALUE' items (values read as `netguard bench --set` reads them)."
    out = {}
    for item in items or []:
        name, _, rest = item.partition('.')
        key, eq, value = rest.partition('=')
        if not (name and key and eq):
            raise SystemExit(f'write each setting as ATTACK.KEY=VALUE, e.g. rlb_mi.episodes=200; got {item!r}')
        out.setdefault(name, {})[key] = setting_value(value)
    return out


def run_preset(preset: str, args) -> list[dict]:
    "One preset's plan: every attack against every defense, each model seed; resumed from OUT_grid/PRESET when there."
    out = Path(args.out + '_grid') / preset
    kw = dict(shard=args.shard) if args.shard else {}
    return run_benchmark(
        preset, args.attacks, args.defenses, [args.seed], defense_options=at_full_size(args.defenses), n=args.n,
        protected=args.protect, device='cpu', progress=not args.quiet, classes=args.classes,
        model_seed=args.model_seeds, priors=[None], attack_options=options(args.set),
        prep_options=options(args.prep), fid=False, out=out,
        resume=(out / 'metrics.json').exists() or bool(args.shard), title=f'api attacks: {preset}', **kw,
    )  # fmt: skip


def preset_rows(out: Path) -> list[dict]:
    "The rows so far of one preset's plan: its metrics.json, else those of its shards (each shard's finished units)."
    f = out / 'metrics.json'
    files = [f] if f.exists() else sorted(out.glob('shards/*/metrics.json'))
    return [r for f in files for r in read_result(f)['rows']]


def _class_mean(d: dict) -> float:
    return statistics.mean(d.values())


def table(rows: list[dict]) -> tuple[str, list[dict]]:
    "The summary table (one line per preset x defense x attack, means over model seeds) and its rows as data."
    groups = {}
    for r in rows:
        groups.setdefault((r['preset'], r['defense'], r['attack']), []).append(r)
    head = '| preset | defense | attack | model seeds | AA | all-class check | random G AA | random G all-class |'
    lines = [head + ' MC(all) | queries / reconstruction | seconds |', '|' + '---|' * 11]
    data = []
    for (preset, defense, attack), rs in groups.items():
        per = len(rs[0]['classes']) * rs[0]['n']
        d = dict(preset=preset, defense=defense, attack=attack, model_seeds=sorted(r['model_seed'] for r in rs))
        for key in ('aa_top1', 'all_class', 'baseline_aa', 'baseline_all_class'):
            d[key] = [_class_mean(r[key]) for r in rs]
        d['acc_all'] = [r['acc_all'] for r in rs]
        d['queries_per_image'] = [r['queries'] / per if r.get('queries') is not None else None for r in rs]
        d['seconds'] = [r['attack_seconds'] for r in rs]
        cells = [mean_std(d[k]) for k in ('aa_top1', 'all_class', 'baseline_aa', 'baseline_all_class', 'acc_all')]
        q = [v for v in d['queries_per_image'] if v is not None]
        cells += [f'{statistics.mean(q):,.0f}' if q else '- (white-box)', f"{statistics.mean(d['seconds']):.0f}"]
        lines.append(f"| {preset} | {defense} | {attack} | {len(rs)} | " + ' | '.join(cells) + ' |')
        data.append(d)
    return '\n'.join(lines), data


def report(rows: list[dict]) -> tuple[str, dict]:
    "The summary, then AA / all-class check per class for each preset."
    summary, data = table(rows)
    parts = [summary]
    for preset in dict.fromkeys(r['preset'] for r in rows):
        parts += [f'\n{preset}: AA / all-class check per class (means over model seeds)\n',
                  per_class_table([r for r in rows if r['preset'] == preset])]  # fmt: skip
    return '\n'.join(parts), dict(summary=data, rows=rows)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--presets', nargs='+', default=PRESETS)
    ap.add_argument('--attacks', nargs='+', default=ATTACKS)
    ap.add_argument('--defenses', nargs='+', default=['original'], metavar='NAME[:KEY=VALUE,...]')
    ap.add_argument('--protect', type=int, nargs='+', default=[0], help='the classes the defenses protect (l_t)')
    ap.add_argument('--model-seeds', type=int, nargs='+', default=[0, 1, 2])
    ap.add_argument('--classes', type=int, nargs='+', help='the attacked classes (default: every private class)')
    ap.add_argument('--seed', type=int, default=0, help="the defenses' and the attacks' seed")
    ap.add_argument('--n', type=int, default=8, help='reconstructions per class')
    ap.add_argument('--set', nargs='+', metavar='ATTACK.KEY=VALUE', help="an attack's setting (default: its budget)")
    ap.add_argument('--prep', nargs='+', metavar='ATTACK.KEY=VALUE', help="an option of an attack's preparation")
    ap.add_argument('--table', action='store_true', help="only write the table from every preset's rows so far")
    ap.add_argument('--shard', help='I/N: run the I-th of N shares of each preset (--table pools the shares so far)')
    ap.add_argument('--threads', type=int, default=2)
    ap.add_argument('--quiet', action='store_true')
    ap.add_argument('--out', default=str(RESULTS / 'api_attacks'), help='writes OUT.txt, OUT.json; rows in OUT_grid/')
    args = ap.parse_args(argv)
    torch.set_num_threads(args.threads)
    rows = []
    for preset in args.presets:
        if args.table:
            rows += preset_rows(Path(args.out + '_grid') / preset)
        else:
            rows += run_preset(preset, args)
    if not rows:
        raise SystemExit(f'no rows yet under {args.out}_grid/: run the benchmark first')
    text, data = report(rows)
    write_result(args.out, text, data, command_line(__file__, argv))
    print(text)


if __name__ == '__main__':
    run_script(main)
