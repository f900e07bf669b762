"""How NetGuard's protection changes with the size of its setup's inversions (latents x steps), and what each costs.

    python bench/less_work.py --model-seeds 0 --steps 1500 --out /tmp/less_work_s0
    python bench/less_work.py --merge /tmp/less_work_s0.json /tmp/less_work_s1.json ...   # pool earlier runs

Each `--variants` entry is a NetGuard variant ('netguard' is the default: 128 fakes of the protected class, 128 of the
decoy and 32 anchors for each other class, 100 Adam steps; 'netguard:n_fake=256,anchor_others=64,invert_steps=200' is
`FULL_SIZE`, twice both). Each defended target (protecting class 0) is attacked on class 0 by GMI with PLG-MI's
max-margin loss (the strength table's NetGuard rows) from the defender's own prior, another model seed's
('mnist5k:+1'), the held-out fonts' ('mnist5k-heldout') and the shifted one ('mnist5k-shift'). A thin `main()` over
`run_benchmark`; the table adds each variant's seconds of defense (on a shared machine: compare them within one run).
Writes OUT.json, OUT.txt.
"""

import argparse
from pathlib import Path

import torch

from netguard.cli import run_script
from netguard.data import HELD_OUT_FONTS
from netguard.harness import run_benchmark
from netguard.report import command_line, markdown_table, pool_results, summarize, write_result
from netguard.train import get_preset, pretrained

RESULTS = Path(__file__).parent / 'results'
HELD_OUT = 'mnist5k-heldout'
SIZES = [
    'netguard:n_fake=256,anchor_others=64,invert_steps=200',
    'netguard',
    'netguard:n_fake=64,anchor_others=16,invert_steps=60',
]


def prior(spec: str | None):
    "A prior for `run_benchmark`: None (the defender's own), a `prior_spec` name, or the held-out fonts' GAN."
    if spec != HELD_OUT:
        return None if spec in (None, 'own') else spec
    preset = get_preset('mnist5k-shift', data_kwargs=dict(fonts=list(HELD_OUT_FONTS)))
    return HELD_OUT, lambda ms: pretrained(preset, 'gan', ms, 'cpu')


def seconds_table(rows: list[dict]) -> str:
    "Seconds of each variant's defense, per model seed (one row per defense run)."
    seen, lines = set(), ['| defense | model seed | seconds of defense |', '|---|---|---|']
    for r in rows:
        key = (r['defense'], r['model_seed'])
        if key not in seen and r.get('defense_seconds') is not None:
            seen.add(key)
            lines.append(f"| {r['defense']} | {r['model_seed']} | {r['defense_seconds']:.1f} |")
    return '\n'.join(lines)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--variants', nargs='+', default=SIZES, metavar='netguard[:KEY=VALUE,...]')
    ap.add_argument('--priors', nargs='+', default=['own', 'mnist5k:+1', HELD_OUT, 'mnist5k-shift'])
    ap.add_argument('--model-seeds', type=int, nargs='+', default=[0])
    ap.add_argument('--n', type=int, default=40, help='reconstructions of class 0 per attack')
    ap.add_argument('--steps', type=int, default=1500, help="the attack's steps")
    ap.add_argument('--threads', type=int, default=2)
    ap.add_argument('--merge', nargs='+', metavar='JSON', help='pool the rows of earlier results instead of running')
    ap.add_argument('--out', default=str(RESULTS / 'less_work'), help='writes OUT.json and OUT.txt')
    args = ap.parse_args(argv)
    extra = {}
    if args.merge:
        rows, extra['pooled_from'] = pool_results(args.merge)
    else:
        torch.set_num_threads(args.threads)
        rows = run_benchmark(
            'mnist5k',
            ['gmi:loss=max_margin,clip=1.0'],
            args.variants,
            [0],
            n=args.n,
            protected=[0],
            device='cpu',
            progress=False,
            classes=[0],
            model_seed=args.model_seeds,
            priors=[prior(p) for p in args.priors],
            attack_options={'gmi': dict(steps=args.steps)},
            fid=False,
        )
    seeds = sorted({r['model_seed'] for r in rows})
    text = (
        f"{rows[0]['n']} reconstructions of class 0, model seeds {seeds}\n\n"
        + markdown_table(rows, ('aa_top1', 'all_class', 'acc_all', 'acc_protected'))
        + '\n'
        + seconds_table(rows)
    )
    if args.merge:
        text = '\n'.join(f'pooled from: $ {c}' for c in extra['pooled_from']) + '\n\n' + text
    print(text)
    write_result(args.out, text, dict(extra, rows=rows, summary=summarize(rows)), command_line(__file__, argv))


if __name__ == '__main__':
    run_script(main)
