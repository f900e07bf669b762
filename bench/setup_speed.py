"""Ways to run NetGuard's setup inversions faster, each against the setup's own way in the same process.

    python bench/setup_speed.py [--threads 1 2] [--steps 5] [--rounds 4]

The setup (`NetGuardTrainer.setup`) runs three GMI searches of 256 latents (the decoy class against the public
classifier, the protected class and the anchors against the target), Adam, 200 steps each. Timed per step, taking
turns so that a slow spell of the shared machine hits all (best of `--rounds`):
- 'setup': the three searches one after another, as the setup runs them (the reference);
- 'one batched search': the same 768 latents in one search, each block through its own classifier, each sample's loss
  scaled by its own search's 1/n (models in eval mode see each sample alone, so the numbers can stay the same);
- 'channels-last': the three searches with G, D and the classifiers in channels-last memory.
Each row says whether its latents after `--check` steps equal the reference's bit for bit. Ratio > 1: faster than the
setup's way. About 3 minutes on 2 CPU cores. Writes OUT.txt (default bench/results/setup_speed.txt).
"""

import argparse
import copy
import os
import time
from pathlib import Path

import torch
import torch.nn as nn

from netguard.cli import run_script
from netguard.core import frozen
from netguard.invert import LatentSearch
from netguard.report import command_line, write_result
from netguard.train import pretrained

N = 256


class Routed(nn.Module):
    "Each block of `sizes` images through its own model; the logits stacked back in order."

    def __init__(self, models, sizes):
        super().__init__()
        self.models, self.sizes = list(models), list(sizes)

    def forward(self, x):
        return torch.cat([m(part) for m, part in zip(self.models, x.split(self.sizes))])


class Joint(LatentSearch):
    "A `LatentSearch` whose loss scales each sample by its own block's 1/n (`weight`)."

    def __init__(self, *args, weight, **kw):
        super().__init__(*args, **kw)
        self.weight = weight

    def step(self):
        total, *rest = self.losses()
        self.opt.zero_grad()
        (total * self.weight).sum().backward()
        self.opt.step()
        with torch.no_grad():
            self.z.clamp_(-self.clip, self.clip)
        return total, *rest


def searches(target, public, G, D, z, y, memory=None):
    "The setup's three searches (decoys on `public`, fakes and anchors on `target`), each of N latents."
    if memory is not None:
        target, public, G, D = (copy.deepcopy(m).to(memory_format=memory) for m in (target, public, G, D))
    models = (public, target, target)
    opt = dict(clip=1.0, optimizer='adam', lr=0.02)
    n = (N, N, N // 4)  # the anchors: 4 labels x 64, their loss divided by 64
    return [LatentSearch(m, G, D, z[i * N : (i + 1) * N].clone(), y[i * N : (i + 1) * N], n[i], **opt)
            for i, m in enumerate(models)]  # fmt: skip


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--threads', type=int, nargs='+', default=[1, 2])
    ap.add_argument('--steps', type=int, default=5, help='steps per timing')
    ap.add_argument('--rounds', type=int, default=4)
    ap.add_argument('--check', type=int, default=3, help='steps before comparing the latents')
    ap.add_argument('--out', default=str(Path(__file__).parent / 'results' / 'setup_speed'), help='writes OUT.txt')
    args = ap.parse_args(argv)
    target, public, (G, D) = pretrained('mnist5k', 'target', 0, 'cpu'), pretrained('mnist5k', 'public', 0, 'cpu'), \
        pretrained('mnist5k', 'gan', 0, 'cpu')  # fmt: skip
    frozen(target, public, G, D)
    z = torch.randn(3 * N, G.z_dim, generator=torch.Generator().manual_seed(0))
    y = torch.cat([torch.full((N,), 2), torch.zeros(N, dtype=torch.long), torch.arange(1, 5).repeat_interleave(N // 4)])
    weight = torch.cat([torch.full((N,), 1 / N), torch.full((N,), 1 / N), torch.full((N,), 1 / (N // 4))])

    def make():
        return {
            'setup': searches(target, public, G, D, z, y),
            'one batched search': [
                Joint(
                    Routed([public, target, target], [N] * 3),
                    G,
                    D,
                    z.clone(),
                    y,
                    N,
                    clip=1.0,
                    optimizer='adam',
                    lr=0.02,
                    weight=weight,
                )
            ],  # fmt: skip
            'channels-last': searches(target, public, G, D, z, y, torch.channels_last),
        }

    def latents(ss):
        return torch.cat([s.z.detach() for s in ss])

    lines = [f"mnist5k, the setup's three searches of {N} latents (Adam), best of {args.rounds} x {args.steps} steps"]
    lines += ['| way | threads | seconds per step (all three searches) | ratio setup / way | same latents |']
    lines += ['|---|---|---|---|---|']
    for threads in args.threads:
        torch.set_num_threads(threads)
        ways = make()
        for ss in ways.values():
            for _ in range(args.check):
                for s in ss:
                    s.step()
        same = {k: torch.equal(latents(ss), latents(ways['setup'])) for k, ss in ways.items()}
        best = dict.fromkeys(ways, float('inf'))
        for _ in range(args.rounds):
            for k, ss in ways.items():
                t = time.perf_counter()
                for _ in range(args.steps):
                    for s in ss:
                        s.step()
                best[k] = min(best[k], (time.perf_counter() - t) / args.steps)
        for k, sec in best.items():
            lines.append(f"| {k} | {threads} | {sec:.3f} | {best['setup'] / sec:.2f} | {'yes' if same[k] else 'no'} |")
        print('\n'.join(lines[-len(best) :]), flush=True)
    lines.append(f"load average after: {os.getloadavg()[0]:.2f}")
    write_result(args.out, '\n'.join(lines), command=command_line(__file__, argv))


if __name__ == '__main__':
    run_script(main)
