"""Seconds per latent-search step of each identity loss, against a hand-written GMI step in the same process.

    python bench/search_step.py [--latents 200] [--steps 50] [--repeats 3] [--threads 2]

The reference is the loop of GMI's code written out by hand (G, D and the target forward, cross-entropy, backward,
SGD with momentum, clip), the cost a peer toolbox pays per step; each row is `LatentSearch.step()` with one identity
loss on the same models (the shipped mnist5k target and GAN), timed in alternation with the reference. Ratio < 1:
the package's step is cheaper. The best of `--repeats` rounds is reported. About 4 minutes on 2 CPU cores with the
defaults; compare the ratios, not the seconds, on a busy machine. Writes OUT.txt (default
bench/results/search_step.txt).
"""

import argparse
import time
from pathlib import Path

import torch
import torch.nn.functional as F

from netguard.cli import run_script
from netguard.invert import IDENTITY_LOSSES, LatentSearch
from netguard.report import command_line, write_result
from netguard.train import pretrained


def reference_step(target, G, D, z, y, opt, lam=100.0):
    x = G(z)
    loss = F.softplus(-D(x)).view(-1) + lam * F.cross_entropy(target(x), y, reduction='none')
    opt.zero_grad()
    loss.mean().backward()
    opt.step()
    with torch.no_grad():
        z.clamp_(-1, 1)


def seconds_per_step(fn, steps: int) -> float:
    fn()  # warm-up
    t = time.perf_counter()
    for _ in range(steps):
        fn()
    return (time.perf_counter() - t) / steps


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--latents', type=int, default=200, help='latents per step (mnist5k: 5 classes x 40)')
    ap.add_argument('--steps', type=int, default=50)
    ap.add_argument('--repeats', type=int, default=3)
    ap.add_argument('--threads', type=int, default=2)
    ap.add_argument('--out', default=str(Path(__file__).parent / 'results' / 'search_step'), help='writes OUT.txt')
    args = ap.parse_args(argv)
    torch.set_num_threads(args.threads)
    target, (G, D) = pretrained('mnist5k', 'target', device='cpu'), pretrained('mnist5k', 'gan', device='cpu')
    for m in (target, G, D):
        m.eval()
        for p in m.parameters():
            p.requires_grad_(False)
    y = torch.arange(args.latents) % 5
    z0 = torch.randn(args.latents, G.z_dim, generator=torch.Generator().manual_seed(0)).clamp(-1, 1)
    z_ref = z0.clone().requires_grad_(True)
    opt = torch.optim.SGD([z_ref], lr=0.02, momentum=0.9)
    best = {name: float('inf') for name in ['reference', *IDENTITY_LOSSES]}
    for _ in range(args.repeats):
        best['reference'] = min(
            best['reference'], seconds_per_step(lambda: reference_step(target, G, D, z_ref, y, opt), args.steps)
        )
        for name in IDENTITY_LOSSES:
            s = LatentSearch(target, G, D, z0.clone(), y, args.latents // 5, loss=name, clip=1.0)
            best[name] = min(best[name], seconds_per_step(s.step, args.steps))
    lines = [
        f"mnist5k, {args.latents} latents per step, {args.threads} threads, "
        f"best of {args.repeats} x {args.steps} steps",
        '| step | seconds per step | ratio to the hand-written GMI step |',
        '|---|---|---|',
    ]
    for name, sec in best.items():
        what = 'hand-written GMI step (CE)' if name == 'reference' else f'LatentSearch, {name}'
        lines.append(f"| {what} | {sec:.4f} | {sec / best['reference']:.2f} |")
    print('\n'.join(lines))
    write_result(args.out, '\n'.join(lines), command=command_line(__file__, argv))


if __name__ == '__main__':
    run_script(main)
