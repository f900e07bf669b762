"""Batched inversion vs one class at a time: GMI on every private class of `mnist5k` in one call, or one per class.

    python bench/invert_batched.py [--n 4 16 64] [--steps 100] [--threads 2] [--device cpu|cuda]

The same latents per class and the same number of steps in both. Speed does not depend on the weights, so the networks
are the preset's architectures freshly built (no training needed). The two runs compute the same reconstructions up to
float rounding (the largest pixel difference is printed). About 2 minutes on 2 CPU cores with the defaults. Writes
OUT.txt (default bench/results/invert_batched.txt; bench/gpu.sh writes bench/results/gpu_h200/invert_batched.txt).
"""

import argparse
import time
from pathlib import Path

import torch

from netguard.cli import run_script
from netguard.invert import gmi
from netguard.models import build
from netguard.report import command_line, write_result
from netguard.train import get_preset


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--n', type=int, nargs='+', default=[4, 16, 64], help='reconstructions per class (one row each)')
    ap.add_argument('--steps', type=int, default=100)
    ap.add_argument('--threads', type=int, default=2)
    ap.add_argument('--repeats', type=int, default=2)
    ap.add_argument('--device', default='cpu', help='cpu (default) or cuda')
    ap.add_argument('--out', default=str(Path(__file__).parent / 'results' / 'invert_batched'), help='writes OUT.txt')
    args = ap.parse_args(argv)
    torch.set_num_threads(args.threads)
    p = get_preset('mnist5k')
    torch.manual_seed(0)
    T = build(p.target.arch, 5, p.image_shape, **p.target.kwargs).eval().to(args.device)
    G, D = (m.eval().to(args.device) for m in p.gan.networks(p.image_shape))
    labels = list(range(5))
    kw = dict(steps=args.steps, lr=0.02, device=args.device, progress=False)
    sync = torch.cuda.synchronize if str(args.device).startswith('cuda') else (lambda: None)
    lines = [
        f"GMI, {len(labels)} classes x n latents x {args.steps} steps, {args.device}, "
        f"{torch.get_num_threads()} threads",
        f"{'n':>4s} {'batched s':>10s} {'per class s':>12s} {'speed-up':>9s}  "
        "max |batched - per class| (pixels in [-1, 1])",
    ]
    print('\n'.join(lines), flush=True)
    for n in args.n:

        def batched():
            r = gmi(T, G, D, labels, n, **kw)
            sync()
            return r

        def one_by_one():
            r = [gmi(T, G, D, [label], n, **kw) for label in labels]
            sync()
            return r

        batched(), one_by_one()  # warm-up
        tb, to = [], []
        for _ in range(args.repeats):
            t = time.perf_counter()
            rb = batched()
            tb.append(time.perf_counter() - t)
            t = time.perf_counter()
            ro = one_by_one()
            to.append(time.perf_counter() - t)
        # the same computation up to float rounding, which 100 optimisation steps can amplify a little
        diff = max((rb.images[i] - r.images[0]).abs().max().item() for i, r in enumerate(ro))
        lines.append(f"{n:4d} {min(tb):10.2f} {min(to):12.2f} {min(to) / min(tb):8.2f}x  {diff:.2e}")
        print(lines[-1], flush=True)
    write_result(args.out, '\n'.join(lines), command=command_line(__file__, argv))


if __name__ == '__main__':
    run_script(main)
