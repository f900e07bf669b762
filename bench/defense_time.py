"""Where a NetGuard defense (default settings, l_t = 0, seed 0) spends its time on a CPU, for several model sets in one
process, and whether flushing denormal floats (`torch.set_flush_denormal`) changes it.

    python bench/defense_time.py --model-seeds 0 2
    python bench/defense_time.py --model-seeds 0 --files TARGET.pt PUBLIC.pt GAN.pt   # and a set saved elsewhere

Per set: the trainer's setup (the Fisher and the GMI inversions that make the fake samples), then 60 fine-tuning steps
and a GMI attack (2 classes x 64 latents, 30 steps), each timed with and without flushing denormals, best of two. A
whole defense is the setup plus 300 fine-tuning steps. Written to answer why the defense table's seconds per defense
moved between sessions (bench/results/defense_time_cpu.txt).
"""
import argparse, os, time

import torch

os.environ.setdefault('NETGUARD_QUIET', '1')
from netguard.defend import NetGuardConfig, NetGuardTrainer
from netguard.invert import gmi
from netguard.models import load_model
from netguard.train import get_preset, pretrained

ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
ap.add_argument('--model-seeds', type=int, nargs='*', default=[0], help="the preset's models of these seeds")
ap.add_argument('--files', nargs=3, metavar=('TARGET', 'PUBLIC', 'GAN'),
                help='one more set from saved files (the GAN file with its -D.pt beside it); uses the seed-0 split')
args = ap.parse_args()
torch.set_num_threads(2)
P = get_preset('mnist5k')
sets = [(f'model seed {s}', s, lambda s=s: (pretrained(P, 'target', s), pretrained(P, 'public', s), pretrained(P, 'gan', s)))
        for s in args.model_seeds]
if args.files:
    t, p, g = args.files
    sets.append(('files', 0, lambda: (load_model(t), load_model(p), (load_model(g), load_model(g[:-3] + '-D.pt')))))
print(f"mnist5k, cpu, {torch.get_num_threads()} threads")
for name, ms, get in sets:
    target, public, (G, D) = get()
    split = P.split(ms)
    torch.set_flush_denormal(False)
    t0 = time.perf_counter()
    tr = NetGuardTrainer(target, public, G, D, split.private_train, split.public, [0], NetGuardConfig(), seed=0, progress=False)
    setup, res = time.perf_counter() - t0, {False: [], True: []}
    for flush in (False, True, False, True):  # taking turns, so a slow spell of the machine hits both
        torch.set_flush_denormal(flush); tr.reset()
        t0 = time.perf_counter(); tr.step(60); a = time.perf_counter() - t0
        t0 = time.perf_counter(); gmi(target, G, D, [0, 1], 64, steps=30, lr=0.02, progress=False); b = time.perf_counter() - t0
        res[flush].append((a, b))
    torch.set_flush_denormal(False)
    best = lambda fl, i: min(r[i] for r in res[fl])
    print(f"{name:12s} setup {setup:5.1f} s (Fisher {tr.timings['fisher']:.1f}, inversions {tr.timings['invert']:.1f}) | "
          f"60 fine-tuning steps {best(False, 0):5.2f} s, flushing denormals {best(True, 0):5.2f} s | "
          f"GMI 2 x 64 latents, 30 steps {best(False, 1):5.2f} s, flushing {best(True, 1):5.2f} s", flush=True)
