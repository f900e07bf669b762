"""The field's training-time defenses (MID, BiDO, NegLS, TL-DMI, Trap-MID): accuracy along each one's main setting.

    python bench/field_sweep.py --model-seeds 0 1 2                    # every defense, its whole sweep
    python bench/field_sweep.py --defenses mid --model-seeds 0 --out /tmp/mid_sweep

Each defense retrains the preset's target architecture on the private data (`netguard.field`) once per value of its
main setting (`SWEEPS`: MID's beta, BiDO's lam_y with lam_x = lam_y / 10, NegLS's alpha, TL-DMI's frozen layers,
Trap-MID's beta) and model seed; each row records MC(all), MC of every class and the seconds, beside the undefended
target of the same model seed and a plain retraining (`retrain` with the plain `Strategy`, same seed: the ratio of
training time). `operating_points` then picks, per defense, the strongest setting within 1 and within 3 points of
MC(all) below the undefended target (mean over model seeds). Writes OUT.json (row by row: a killed run, started
again, goes on where it stopped), OUT.txt and OUT.png (the curves).
"""

import argparse
import time
from pathlib import Path

import torch

from netguard.cli import run_script
from netguard.defend import defend
from netguard.eval import model_accuracy
from netguard.field import SWEEPS, blend, operating_points, plot_sweep, retrain, sweep_settings
from netguard.report import command_line, dump_json, read_result, write_result
from netguard.train import Strategy, accuracy, get_preset, pretrained

RESULTS = Path(__file__).parent / 'results'


def trapdoor_hits(res, test) -> float:
    "The share of test digits that Trap-MID's model reads as the class whose trigger is blended into them."
    x, _ = test[:]
    t = torch.arange(len(x)) % len(res.report['triggers'])
    with torch.no_grad():
        return (
            (res.model(blend(x, res.report['triggers'], t, res.report['alpha'])).argmax(1) == t).float().mean().item()
        )


def run(preset: str, defenses, model_seeds, out: str) -> list[dict]:
    "Every row; each row is written to OUT.json as it comes, and rows already there (the same run, killed) are kept."
    p, path = get_preset(preset), Path(out + '.json')
    rows = read_result(path)['rows'] if path.exists() else []
    done = {(r['model_seed'], r['defense'], r['value']) for r in rows}
    for ms in model_seeds:
        sp = p.split(ms)
        target, public = pretrained(preset, 'target', ms), pretrained(preset, 'public', ms)
        t0 = time.perf_counter()
        plain, _ = retrain(target, sp.private_train, Strategy(), seed=ms, progress=False)
        plain_s = time.perf_counter() - t0
        base = dict(model_seed=ms, mc_target=model_accuracy(target, sp.private_test, [0])[0],
                    mc_plain=accuracy(plain, sp.private_test), plain_seconds=plain_s)  # fmt: skip
        for name in defenses:
            key, values = SWEEPS[name]
            for v in values:
                if (ms, name, v) in done:
                    continue
                settings = sweep_settings(name, v)
                t0 = time.perf_counter()
                res = defend(name, target, dict(public=public), sp, seed=ms, progress=False, **settings)
                sec = time.perf_counter() - t0
                per = accuracy(res.model, sp.private_test, per_class=True)
                mc = accuracy(res.model, sp.private_test)
                row = base | dict(defense=name, setting=key, value=v, mc_all=mc, mc_class=per, seconds=sec)
                if name == 'trapmid':  # how often a digit blended with class c's trigger is read as c (chance: 1/5)
                    row['trapdoor_hits'] = trapdoor_hits(res, sp.private_test)
                rows.append(row)
                dump_json(dict(command=command_line(__file__), rows=rows), path)
                print(f'model seed {ms} {name} {key}={v}: MC {mc:.3f} ({sec:.1f} s, plain {plain_s:.1f} s)')
    return rows


def points_table(rows: list[dict], points: dict) -> str:
    "The operating points, and each defense's training time over the plain retraining of the same process and seed."
    lines = ['| defense | setting | within 1 point | within 3 points | training time / plain (mean over its sweep) |']
    lines.append('|---|---|---|---|---|')
    for d, p in points.items():
        ratio = [r['seconds'] / r['plain_seconds'] for r in rows if r['defense'] == d]
        lines.append(f'| {d} | {SWEEPS[d][0]} | {p[1]} | {p[3]} | {sum(ratio) / len(ratio):.1f} |')
    return '\n'.join(lines)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--preset', default='mnist5k')
    ap.add_argument('--defenses', nargs='+', default=list(SWEEPS), choices=list(SWEEPS))
    ap.add_argument('--model-seeds', nargs='+', type=int, default=[0])
    ap.add_argument('--out', default=str(RESULTS / 'field_sweep'))
    args = ap.parse_args(argv)
    rows = run(args.preset, args.defenses, args.model_seeds, args.out)
    points = operating_points(rows)
    table = points_table(rows, points)
    write_result(args.out, table, dict(rows=rows, points=points), command_line(__file__, argv))
    plot_sweep(rows).savefig(args.out + '.png', dpi=110, bbox_inches='tight')
    print(table)


if __name__ == '__main__':
    run_script(main)
