"""Time to train everything a preset needs from an empty cache, then to load it from the warm cache.

    python bench/train_cache.py [--preset mnist5k] [--seed 0] [--threads 2] [--device cpu|cuda]

Prints each role's time and quality (the targets: target/evaluator >= 98%, public >= 97%, checker >= 97%, GAN >= 80% of
1,000 samples labelled with confidence >= 0.9 by the public classifier) and the warm/cold ratio. About 3 minutes on 2
CPU cores. Writes OUT.txt (default bench/results/train_cache.txt).
"""

import argparse
import os
import tempfile
import time
from pathlib import Path

import torch

from netguard.cli import run_script
from netguard.report import command_line, write_result
from netguard.train import ROLES, accuracy, confident_fraction, get_preset, predict, pretrained, role_data

GOALS = dict(target=0.98, evaluator=0.98, public=0.97, checker=0.97, gan=0.80)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--preset', default='mnist5k')
    ap.add_argument('--seed', type=int, default=0)
    ap.add_argument('--threads', type=int, default=2)
    ap.add_argument('--device', default='cpu', help='cpu (default) or cuda')
    ap.add_argument('--out', default=str(Path(__file__).parent / 'results' / 'train_cache'), help='writes OUT.txt')
    args = ap.parse_args(argv)
    torch.set_num_threads(args.threads)
    os.environ['NETGUARD_QUIET'] = '1'
    preset = get_preset(args.preset)
    split = preset.split(args.seed)
    with tempfile.TemporaryDirectory() as cache:
        cold, models = {}, {}
        t_all = time.perf_counter()
        for role in ROLES:
            t = time.perf_counter()
            models[role] = pretrained(preset, role, args.seed, args.device, cache, shipped=False)
            cold[role] = time.perf_counter() - t
        cold_total = time.perf_counter() - t_all
        t = time.perf_counter()
        for role in ROLES:
            pretrained(preset, role, args.seed, args.device, cache, shipped=False)
        warm_total = time.perf_counter() - t
    lines = [
        f"preset {preset.name}, seed {args.seed}, {args.device}, {torch.get_num_threads()} threads",
        f"{'role':10s} {'arch':9s} {'seconds':>8s} {'quality':>8s} {'goal':>6s}",
    ]
    for role in ROLES:
        note = ''
        if role == 'gan':
            q, share = confident_fraction(models['gan'][0], models['public'], n=1000, seed=args.seed, min_share=True)
            arch = 'dcgan' if preset.gan.loss == 'dcgan' else 'wgan-gp'
            note = f"  (smallest class share among the confident samples: {share:.2f}; 0.20 if balanced)"
        else:
            q = accuracy(models[role], role_data(split, role, args.seed)[1])
            arch = models[role].meta['arch']['name']
        ok = 'ok' if q >= GOALS[role] else 'MISSED'
        lines.append(f"{role:10s} {arch:9s} {cold[role]:8.1f} {q:8.4f} {GOALS[role]:6.2f} {ok}{note}")
    real = role_data(split, 'public', args.seed)[1]
    p_real = predict(models['public'], real).softmax(1).max(1).values
    lines += [
        f"baseline: real held-out public images labelled with confidence >= 0.9: {(p_real >= 0.9).float().mean():.4f}",
        f"cold cache (train everything): {cold_total:.1f} s (goal <= 180 s)",
        f"warm cache (load everything):  {warm_total:.2f} s (goal < 5 s)",
        f"ratio cold / warm: {cold_total / warm_total:.0f}x",
    ]
    print('\n'.join(lines))
    write_result(args.out, '\n'.join(lines), command=command_line(__file__, argv))


if __name__ == '__main__':
    run_script(main)
