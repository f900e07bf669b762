"""Batched inversion vs one class at a time: GMI on every private class of `mnist5k` in one call, against
one call per class with the same latents per class and the same number of steps.

    python bench/invert_batched.py [--n 4 16 64] [--steps 100] [--threads 2] [--device cpu|cuda]

Speed does not depend on the weights, so the networks are the preset's architectures freshly built (no training needed).
The two runs compute the same reconstructions up to float rounding (the largest pixel difference is printed).
"""
import argparse, time

import torch

from netguard.invert import gmi
from netguard.models import build
from netguard.train import get_preset

ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
ap.add_argument('--n', type=int, nargs='+', default=[4, 16, 64], help='reconstructions per class (one row each)')
ap.add_argument('--steps', type=int, default=100)
ap.add_argument('--threads', type=int, default=2)
ap.add_argument('--repeats', type=int, default=2)
ap.add_argument('--device', default='cpu', help='cpu (default) or cuda')
args = ap.parse_args()
torch.set_num_threads(args.threads)
p = get_preset('mnist5k')
torch.manual_seed(0)
T = build(p.target.arch, 5, p.image_shape, **p.target.kwargs).eval().to(args.device)
G, D = (m.eval().to(args.device) for m in p.gan.networks(p.image_shape))
labels = list(range(5))
kw = dict(steps=args.steps, lr=0.02, device=args.device, progress=False)
print(f"GMI, {len(labels)} classes x n latents x {args.steps} steps, {args.device}, {torch.get_num_threads()} threads")
print(f"{'n':>4s} {'batched s':>10s} {'per class s':>12s} {'speed-up':>9s}  max |batched - per class| (pixels in [-1, 1])")
for n in args.n:
    sync = torch.cuda.synchronize if str(args.device).startswith('cuda') else (lambda: None)
    def batched():
        r = gmi(T, G, D, labels, n, **kw); sync(); return r
    def one_by_one():
        r = [gmi(T, G, D, [l], n, **kw) for l in labels]; sync(); return r
    batched(); one_by_one()  # warm-up
    tb, to = [], []
    for _ in range(args.repeats):
        t = time.perf_counter(); rb = batched(); tb.append(time.perf_counter() - t)
        t = time.perf_counter(); ro = one_by_one(); to.append(time.perf_counter() - t)
    # the same computation up to float rounding, which 100 optimisation steps can amplify a little
    diff = max((rb.images[i] - r.images[0]).abs().max().item() for i, r in enumerate(ro))
    print(f"{n:4d} {min(tb):10.2f} {min(to):12.2f} {min(to) / min(tb):8.2f}x  {diff:.2e}", flush=True)
