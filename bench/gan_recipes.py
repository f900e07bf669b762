"""How good a GAN prior each training recipe gives on `mnist5k`, for the raw generator and EMA copies of its weights.

    python bench/gan_recipes.py [--device cuda] [--recipes preset lr2e-4] [--steps 3000] [--every 500]

The measure: the fraction of 1,000 samples the preset's public classifier labels with confidence >= 0.9 (the goal:
80%), along the training. The EMA copies are kept by a training callback (`ema = decay * ema + (1 - decay) * weights`
after every generator step, buffers copied), so they cost no extra gradient step. The public classifier is the preset's
cached one. A collapsed generator can pass the confidence test with one digit, so each line also gives the smallest
share of a class among the confident samples (0.2 when the 5 public digits are equally common; 0 when one is missing).
The recipes name only what they change in the preset's `GANSpec`. On 2 CPU cores 3,000 steps take about 6 minutes a
recipe. Writes OUT.txt (default bench/results/gan_recipes.txt; bench/results/gpu_h200/gan_recipes.txt is an H200's).
"""

import argparse
import copy
import time
from pathlib import Path

import torch

from netguard.cli import run_script
from netguard.core import stream_seed
from netguard.report import command_line, write_result
from netguard.train import confident_fraction, get_preset, pretrained

RECIPES = {'preset': {}, 'lr2e-4': dict(lr=2e-4), 'lr5e-4': dict(lr=5e-4), 'no-aug': dict(diff_augment=False)}


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--device', default='cuda' if torch.cuda.is_available() else 'cpu')
    ap.add_argument('--recipes', nargs='+', default=['preset', 'lr2e-4'], choices=list(RECIPES))
    ap.add_argument('--steps', type=int, default=3000)
    ap.add_argument('--every', type=int, default=500)
    ap.add_argument('--decays', type=float, nargs='+', default=[0.99, 0.999])
    ap.add_argument('--seed', type=int, default=0)
    ap.add_argument('--threads', type=int, default=2)
    ap.add_argument('--out', default=str(Path(__file__).parent / 'results' / 'gan_recipes'), help='writes OUT.txt')
    args = ap.parse_args(argv)
    torch.set_num_threads(args.threads)
    p = get_preset('mnist5k')
    public = pretrained(p, 'public', args.seed, args.device)
    data = p.split(args.seed).public  # the preset's GAN trains on all public images

    def quality(G, n=1000):
        "(fraction labelled with confidence >= 0.9, smallest class share among those) of n samples of G."
        was = G.training
        q = confident_fraction(G, public, n, seed=args.seed, min_share=True)
        G.train(was)
        return q

    lines = [
        f"mnist5k GAN recipes, {args.device}; confident fraction (>= 0.9) of 1,000 samples (smallest class share): "
        "raw G | EMA " + " | ".join(f"{d}" for d in args.decays)
    ]
    print(lines[0], flush=True)
    for name in args.recipes:
        torch.manual_seed(stream_seed(args.seed, 'train.gan_init'))  # as the preset's own GAN training
        G, D = p.gan.networks(p.image_shape)
        emas = {d: None for d in args.decays}
        t0 = time.perf_counter()

        def callback(row):
            Gc = row['G']
            with torch.no_grad():
                for d in emas:
                    if emas[d] is None:
                        emas[d] = copy.deepcopy(Gc)
                        continue
                    for pe, pc in zip(emas[d].parameters(), Gc.parameters()):
                        pe.lerp_(pc, 1 - d)
                    for be, bc in zip(emas[d].buffers(), Gc.buffers()):
                        be.copy_(bc)
            if row['step'] % args.every == 0 or row['step'] == row['total']:
                q = [quality(Gc)] + [quality(emas[d]) for d in args.decays]
                lines.append(f"{name:8s} step {row['step']:5d} {time.perf_counter() - t0:7.1f} s  "
                             + " | ".join(f"{f:.3f} ({m:.2f})" for f, m in q))  # fmt: skip
                print(lines[-1], flush=True)

        p.gan.train(G, D, data, args.seed, steps=args.steps, device=args.device, sample_every=0, progress=False,
                    callbacks=(callback,), **RECIPES[name])  # fmt: skip
    write_result(args.out, '\n'.join(lines), command=command_line(__file__, argv))


if __name__ == '__main__':
    run_script(main)
