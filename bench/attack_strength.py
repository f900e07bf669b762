"""How strong each latent-search attack is: every attack x identity loss x latent clipping, undefended and defended.

    python bench/attack_strength.py                                   # GMI, every loss, clipped and not, class 0
    python bench/attack_strength.py --attacks gmi lomma kedmi mirror_w --losses ce logit max_margin poincare \\
        --clips 1 none --classes 0 1 2 3 4 --defenses original netguard dpsgd:epsilon=8 admi --model-seeds 0 1 2 \\
        --prior mnist5k-shift --out /tmp/strength
    python bench/attack_strength.py --merge /tmp/a.json /tmp/b.json   # pool earlier runs into one table

A thin `main()` over `netguard.harness.run_benchmark`. Each (attack, loss, clip) is the attack variant
'ATTACK:loss=LOSS,clip=CLIP' (an attack that searches no latent takes neither), each defense a variant
'NAME[:KEY=VALUE,...]' protecting class 0 (or --protect). The attacks search the GAN --prior ('PRESET', 'PRESET:SEED'
or 'PRESET:+K' as `prior_spec` reads them, or 'mnist5k-heldout': mnist5k-shift's recipe drawn with the fonts its
public data leaves out, `HELD_OUT_FONTS`); NetGuard inverts with --defender-prior. KED-MI's GAN and LOMMA's surrogates
are trained against the attacked model (defended or not), as an attacker would. Each row is `run_benchmark`'s: AA and
the all-class check per attacked class, beside the same two numbers for random samples G(z) of the attacker's GAN,
MC(all) and MC(l_t). Writes OUT.json and OUT.txt; the default OUT is bench/results/strength
(the rows of the script's earlier version, once in bench/results/attack_strength.json, are in strength.json too,
in this schema; the Inversion and Defenses chapters read strength.json; see bench/README.md).
"""

import argparse
from pathlib import Path

import torch

from netguard.cli import run_script
from netguard.data import HELD_OUT_FONTS
from netguard.harness import prior_spec, run_benchmark
from netguard.report import command_line, markdown_table, per_class_table, pool_results, write_result
from netguard.train import get_preset, pretrained

RESULTS = Path(__file__).parent / 'results'
LATENT = ('gmi', 'lomma', 'plgmi', 'kedmi', 'mirror_w')  # the attacks that search a GAN's latent (and may clip it)
HELD_OUT = 'mnist5k-heldout'


def variants(attacks, losses, clips) -> list[str]:
    "One attack variant per (attack, loss, clip), e.g. 'gmi:loss=ce,clip=1.0'; an attack without a latent: its name."
    out = [f'{a}:loss={loss},clip={clip}' if a in LATENT else a for a in attacks for loss in losses for clip in clips]
    return list(dict.fromkeys(out))


def gan(spec: str | None):
    "A prior for `run_benchmark`: None (the defender's own), a `prior_spec` name, or the held-out fonts' GAN."
    if spec != HELD_OUT:
        return spec
    preset = get_preset('mnist5k-shift', data_kwargs=dict(fonts=list(HELD_OUT_FONTS)))
    return HELD_OUT, lambda ms: pretrained(preset, 'gan', ms, 'cpu')


def defender_models(spec: str | None):
    "`run_benchmark`'s `models`: the GAN NetGuard inverts with, 'PRESET[:SEED|:+K]' of each model seed (None: its own)."
    if spec is None:
        return None

    def models(model_seed: int) -> dict:
        name, seed = prior_spec(spec, model_seed)
        return dict(gan=pretrained(name, 'gan', seed, 'cpu'))

    return models


def tables(rows: list[dict]) -> str:
    "The attack x defense table on the protected classes, then AA / all-class check per attacked class."
    head = f"{rows[0]['n']} reconstructions per class, model seeds {sorted({r['model_seed'] for r in rows})}"
    metrics = ('aa_top1', 'all_class', 'baseline_aa', 'baseline_all_class', 'acc_all', 'acc_protected')
    return f"{head}\n\n{markdown_table(rows, metrics)}\n{per_class_table(rows)}"


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--preset', default='mnist5k')
    ap.add_argument('--attacks', nargs='+', default=['gmi'])
    ap.add_argument('--losses', nargs='+', default=['ce', 'logit', 'max_margin', 'poincare'])
    ap.add_argument('--clips', nargs='+', default=['1', 'none'], help="latent clipping: a number or 'none'")
    ap.add_argument('--classes', type=int, nargs='+', default=[0], help='the attacked classes')
    ap.add_argument(
        '--defender-prior', metavar='PRESET[:SEED]', help="the GAN NetGuard inverts with (default: its own)"
    )
    ap.add_argument('--defenses', nargs='+', default=['original'], metavar='NAME[:KEY=VALUE,...]')
    ap.add_argument('--model-seeds', type=int, nargs='+', default=[0])
    ap.add_argument('--protect', type=int, nargs='+', default=[0], help='the classes the defenses protect (l_t)')
    ap.add_argument('--seed', type=int, default=0, help="the defenses' and the attacks' seed")
    ap.add_argument('--n', type=int, default=40, help='reconstructions per class')
    ap.add_argument('--steps', type=int, default=1500)
    ap.add_argument('--threads', type=int, default=2)
    ap.add_argument('--prior', metavar='PRESET[:SEED]', help="the attacker's GAN (default: the preset's own)")
    ap.add_argument('--merge', nargs='+', metavar='JSON', help='pool the rows of earlier results instead of running')
    ap.add_argument('--out', default=str(RESULTS / 'strength'), help='writes OUT.json and OUT.txt')
    args = ap.parse_args(argv)
    extra = {}
    if args.merge:
        rows, extra['pooled_from'] = pool_results(args.merge)
    else:
        torch.set_num_threads(args.threads)
        clips = [None if c.lower() == 'none' else float(c) for c in args.clips]
        attacks = variants(args.attacks, args.losses, clips)
        own = args.preset if args.defender_prior else None  # with another defender's GAN, the attacker keeps its own
        rows = run_benchmark(
            args.preset,
            attacks,
            args.defenses,
            [args.seed],
            n=args.n,
            protected=args.protect,
            device='cpu',
            progress=False,
            classes=args.classes,
            models=defender_models(args.defender_prior),
            model_seed=args.model_seeds,
            priors=[gan(args.prior) if args.prior else own],
            attack_options={a: dict(steps=args.steps) for a in args.attacks},
            fid=False,
        )
    text = tables(rows)
    if args.merge:  # the commands that measured the pooled rows
        text = '\n'.join(f'pooled from: $ {c}' for c in extra['pooled_from']) + '\n\n' + text
    print(text)
    write_result(args.out, text, dict(extra, rows=rows), command_line(__file__, argv))


if __name__ == '__main__':
    run_script(main)
