"""How much faster training runs with channels-last memory (the default of `train_classifier` and `train_gan`).

    python bench/channels_last.py [--threads 2] [--repeat 5] [--gan-steps 200] [--gmi-steps 50]

Measured in one process on the `mnist5k` preset's own networks, for each layout: one epoch of the target classifier
(no validation, no checkpoints), `--gan-steps` steps of the preset's GAN and `--gmi-steps` steps of GMI on the trained
target (5 classes x 64 latents, the attack the defense tables run; GMI runs contiguous, so this row asks whether it
would gain the same); the best of `--repeat` runs, the two layouts taking turns. Prints seconds and the ratio
contiguous / channels-last. The two layouts sum in a different order, so the trained weights differ in the last bits
(the cache key carries the layout through `CACHE_FORMAT`). About 5 minutes on 2 idle CPU cores; time it on an idle
machine. Writes OUT.txt (default bench/results/channels_last.txt).
"""

import argparse
import copy
import time
from pathlib import Path

import torch

from netguard.cli import run_script
from netguard.core import stream_seed
from netguard.invert import gmi
from netguard.models import build
from netguard.report import command_line, write_result
from netguard.train import get_preset, pretrained, role_data, train_classifier


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--threads', type=int, default=2)
    ap.add_argument('--repeat', type=int, default=5)
    ap.add_argument('--gan-steps', type=int, default=200)
    ap.add_argument('--gmi-steps', type=int, default=50)
    ap.add_argument('--out', default=str(Path(__file__).parent / 'results' / 'channels_last'), help='writes OUT.txt')
    args = ap.parse_args(argv)
    torch.set_num_threads(args.threads)
    p = get_preset('mnist5k')
    split = p.split(0)
    train, _, n = role_data(split, 'target', 0)
    models = dict(target=pretrained(p, 'target', device='cpu'), gan=pretrained(p, 'gan', device='cpu'))

    def classifier(cl):
        torch.manual_seed(0)
        m = build(p.target.arch, n, p.image_shape, **p.target.kwargs)
        t = time.perf_counter()
        train_classifier(m, train, None, epochs=1, seed=0, device='cpu', progress=False, channels_last=cl)
        return time.perf_counter() - t

    def gan(cl):
        torch.manual_seed(stream_seed(0, 'train.gan_init'))
        G, D = p.gan.networks(p.image_shape)
        t = time.perf_counter()
        p.gan.train(G, D, split.public, 0, steps=args.gan_steps, device='cpu', sample_every=0, progress=False,
                    channels_last=cl)  # fmt: skip
        return time.perf_counter() - t

    def invert(cl):
        fmt = torch.channels_last if cl else torch.contiguous_format
        target, G, D = (copy.deepcopy(m).to(memory_format=fmt) for m in (models['target'], *models['gan']))
        t = time.perf_counter()
        gmi(target, G, D, list(range(split.num_private)), 64, steps=args.gmi_steps, lr=0.02, seed=0, progress=False)
        return time.perf_counter() - t

    lines = [f"mnist5k networks, cpu, {torch.get_num_threads()} threads, best of {args.repeat}",
             f"{'job':34s} {'contiguous':>10s} {'channels-last':>13s} {'ratio':>6s}"]  # fmt: skip
    print('\n'.join(lines), flush=True)
    for name, fn in [
        (f'target classifier, 1 epoch ({len(train)} images)', classifier),
        (f'GAN, {args.gan_steps} steps (batch {p.gan.batch_size})', gan),
        (f'GMI, {args.gmi_steps} steps (5 x 64 latents)', invert),
    ]:
        fn(True)  # warm-up: the first call pays for oneDNN's kernel selection
        runs = [(fn(False), fn(True)) for _ in range(args.repeat)]  # interleaved: a slow spell of the machine hits both
        plain, cl = min(r[0] for r in runs), min(r[1] for r in runs)
        lines.append(f"{name:34s} {plain:9.2f}s {cl:12.2f}s {plain / cl:5.2f}x")
        print(lines[-1], flush=True)
    write_result(args.out, '\n'.join(lines), command=command_line(__file__, argv))


if __name__ == '__main__':
    run_script(main)
