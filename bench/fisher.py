"""The diagonal Fisher by vectorised per-sample gradients (torch.func.vmap) vs a loop of one backward pass per sample.

    python bench/fisher.py [--samples 1000] [--repeats 3]

Both run in this process on the cached mnist5k target and its private training data, on the CPU. Prints both times,
the ratio (goal >= 10x) and the largest relative difference between the two Fishers (goal <= 1e-5).
"""
import argparse, os, time

import torch

from netguard.defend import fisher_diagonal, fisher_diagonal_loop
from netguard.train import get_preset, pretrained

ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
ap.add_argument('--samples', type=int, default=1000)
ap.add_argument('--repeats', type=int, default=3, help='best of this many runs of each')
ap.add_argument('--threads', type=int, default=2)
ap.add_argument('--dtype', choices=['float32', 'float64'], default='float32')
ap.add_argument('--batch-size', type=int, default=500)
args = ap.parse_args()
os.environ.setdefault('NETGUARD_QUIET', '1')
torch.set_num_threads(args.threads)
torch.backends.cudnn.deterministic = True

preset = get_preset('mnist5k')
dtype = getattr(torch, args.dtype)
target = pretrained(preset, 'target', device='cpu').to(dtype)  # float64 makes the comparison measure the method, not rounding
data = preset.split(0).private_train


def best(fn):
    times, out = [], None
    for _ in range(args.repeats):
        t = time.perf_counter(); out = fn(); times.append(time.perf_counter() - t)
    return min(times), out


class Double(torch.utils.data.Dataset):
    def __len__(self): return len(data)
    def __getitem__(self, i):
        x, y = data[i]
        return x.to(dtype), y


ds = Double()
t_vec, f_vec = best(lambda: fisher_diagonal(target, ds, normalize=None, max_samples=args.samples, batch_size=args.batch_size))
t_loop, f_loop = best(lambda: fisher_diagonal_loop(target, ds, normalize=None, max_samples=args.samples))
flat_v = torch.cat([v.flatten() for v in f_vec.values()])
flat_l = torch.cat([v.flatten() for v in f_loop.values()])
rel = ((flat_v - flat_l).abs().max() / flat_l.abs().max()).item()
print(f"Fisher of the mnist5k target ({sum(v.numel() for v in f_vec.values())} parameters) over {args.samples} samples, "
      f"{args.threads} threads, {args.dtype}, best of {args.repeats}")
print(f"  per-sample loop : {t_loop:7.3f} s")
print(f"  vmap(grad)      : {t_vec:7.3f} s")
print(f"  speed-up        : {t_loop / t_vec:7.1f}x   (goal >= 10x)")
print(f"  max |difference| / max |F| : {rel:.2e}   (goal <= 1e-5); raw Fisher sum {flat_l.sum().item():.4g}, mean {flat_l.mean().item():.3g}")
