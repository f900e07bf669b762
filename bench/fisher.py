"""The diagonal Fisher by vectorised per-sample gradients (torch.func.vmap) vs a loop of one backward pass per sample.

    python bench/fisher.py [--samples 1000] [--repeats 3] [--batch-size 500] [--dtype float32]

Both run in this process on the cached mnist5k target and its private training data, on the CPU. Prints both times,
the ratio (goal >= 10x) and the largest relative difference between the two Fishers (goal <= 1e-5). About 20 s on
2 CPU cores. Writes OUT.txt (default bench/results/fisher.txt).
"""

import argparse
import time
from pathlib import Path

import torch

from netguard.cli import run_script
from netguard.defend import fisher_diagonal, fisher_diagonal_loop
from netguard.report import command_line, write_result
from netguard.train import get_preset, pretrained


class Cast(torch.utils.data.Dataset):
    "A dataset's images in another float dtype (float64 makes the comparison measure the method, not rounding)."

    def __init__(self, data, dtype):
        self.data, self.dtype = data, dtype

    def __len__(self):
        return len(self.data)

    def __getitem__(self, i):
        x, y = self.data[i]
        return x.to(self.dtype), y


def best(fn, repeats: int):
    "(the shortest of `repeats` runs of `fn`, its last result)"
    times, out = [], None
    for _ in range(repeats):
        t = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t)
    return min(times), out


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--samples', type=int, default=1000)
    ap.add_argument('--repeats', type=int, default=3, help='best of this many runs of each')
    ap.add_argument('--threads', type=int, default=2)
    ap.add_argument('--dtype', choices=['float32', 'float64'], default='float32')
    ap.add_argument('--batch-size', type=int, default=500)
    ap.add_argument('--out', default=str(Path(__file__).parent / 'results' / 'fisher'), help='writes OUT.txt')
    args = ap.parse_args(argv)
    torch.set_num_threads(args.threads)
    torch.backends.cudnn.deterministic = True
    preset, dtype = get_preset('mnist5k'), getattr(torch, args.dtype)
    target = pretrained(preset, 'target', device='cpu').to(dtype)
    ds = Cast(preset.split(0).private_train, dtype)
    n, bs = args.samples, args.batch_size
    t_vec, f_vec = best(lambda: fisher_diagonal(target, ds, normalize=None, max_samples=n, batch_size=bs), args.repeats)
    t_loop, f_loop = best(lambda: fisher_diagonal_loop(target, ds, normalize=None, max_samples=n), args.repeats)
    flat_v = torch.cat([v.flatten() for v in f_vec.values()])
    flat_l = torch.cat([v.flatten() for v in f_loop.values()])
    rel = ((flat_v - flat_l).abs().max() / flat_l.abs().max()).item()
    text = '\n'.join([
        f"Fisher of the mnist5k target ({flat_v.numel()} parameters) over {n} samples, {args.threads} threads, "
        f"{args.dtype}, vmap in batches of {bs}, best of {args.repeats}",
        f"  per-sample loop : {t_loop:7.3f} s",
        f"  vmap(grad)      : {t_vec:7.3f} s",
        f"  speed-up        : {t_loop / t_vec:7.1f}x   (goal >= 10x)",
        f"  max |difference| / max |F| : {rel:.2e}   (goal <= 1e-5); raw Fisher sum {flat_l.sum().item():.4g}, "
        f"mean {flat_l.mean().item():.3g}",
    ])  # fmt: skip
    print(text)
    write_result(args.out, text, command=command_line(__file__, argv))


if __name__ == '__main__':
    run_script(main)
