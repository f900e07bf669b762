"""Where a NetGuard defense spends its time on a CPU, for several model sets, and whether flushing denormals matters.

    python bench/defense_time.py --model-seeds 0 2
    python bench/defense_time.py --model-seeds 0 --files TARGET.pt PUBLIC.pt GAN.pt   # and a set saved elsewhere

The defense: NetGuard's default settings, l_t = 0, seed 0, on the `mnist5k` preset. Per model set: the trainer's setup
(the Fisher and the GMI inversions that make the fake samples), then 60 fine-tuning steps and a GMI attack (2 classes x
64 latents, 30 steps), each timed with and without flushing denormal floats (`torch.set_flush_denormal`), best of two.
A whole defense is the setup plus 300 fine-tuning steps. About 3 minutes a model set on 2 CPU cores. Writes OUT.txt
(default bench/results/defense_time.txt).
"""

import argparse
import time
from pathlib import Path

import torch

from netguard.cli import run_script
from netguard.defend import NetGuardConfig, NetGuardTrainer
from netguard.invert import gmi
from netguard.models import load_model
from netguard.report import command_line, write_result
from netguard.train import get_preset, pretrained


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--model-seeds', type=int, nargs='*', default=[0], help="the preset's models of these seeds")
    files = 'one more set from saved files (the GAN file with its -D.pt beside it); uses the seed-0 split'
    ap.add_argument('--files', nargs=3, metavar=('TARGET', 'PUBLIC', 'GAN'), help=files)
    ap.add_argument('--threads', type=int, default=2)
    ap.add_argument('--out', default=str(Path(__file__).parent / 'results' / 'defense_time'), help='writes OUT.txt')
    args = ap.parse_args(argv)
    torch.set_num_threads(args.threads)
    P = get_preset('mnist5k')
    sets = [(f'model seed {s}', s, lambda s=s: tuple(pretrained(P, r, s) for r in ('target', 'public', 'gan')))
            for s in args.model_seeds]  # fmt: skip
    if args.files:
        t, p, g = args.files
        sets.append(('files', 0, lambda: (load_model(t), load_model(p), (load_model(g), load_model(g[:-3] + '-D.pt')))))
    lines = [f"mnist5k, cpu, {torch.get_num_threads()} threads"]
    print(lines[0], flush=True)
    for name, ms, get in sets:
        target, public, (G, D) = get()
        split = P.split(ms)
        torch.set_flush_denormal(False)
        t0 = time.perf_counter()
        tr = NetGuardTrainer(target, public, G, D, split.private_train, split.public, [0], NetGuardConfig(), seed=0,
                             progress=False)  # fmt: skip
        setup, res = time.perf_counter() - t0, {False: [], True: []}
        for flush in (False, True, False, True):  # taking turns, so a slow spell of the machine hits both
            torch.set_flush_denormal(flush)
            tr.reset()
            t0 = time.perf_counter()
            tr.step(60)
            a = time.perf_counter() - t0
            t0 = time.perf_counter()
            gmi(target, G, D, [0, 1], 64, steps=30, lr=0.02, progress=False)
            res[flush].append((a, time.perf_counter() - t0))
        torch.set_flush_denormal(False)

        def best(flush, i):
            return min(r[i] for r in res[flush])

        lines.append(
            f"{name:12s} setup {setup:5.1f} s (Fisher {tr.timings['fisher']:.1f}, "
            f"inversions {tr.timings['invert']:.1f})"
            f" | 60 fine-tuning steps {best(False, 0):5.2f} s, flushing denormals {best(True, 0):5.2f} s"
            f" | GMI 2 x 64 latents, 30 steps {best(False, 1):5.2f} s, flushing {best(True, 1):5.2f} s"
        )
        print(lines[-1], flush=True)
    write_result(args.out, '\n'.join(lines), command=command_line(__file__, argv))


if __name__ == '__main__':
    run_script(main)
