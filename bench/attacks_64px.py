"""Every attack at 64 px, timed: the `celeba64` preset's networks, each attack run on several identities at once.

    python bench/attacks_64px.py --device cuda [--classes 1000] [--labels 8] [--n 8] [--scale 1.0]
    python bench/attacks_64px.py --device cpu --scale 0.002 --classes 10 --labels 2 --n 2 --public 64 --out /tmp/a64

The networks are a VGG16 target over K identities and the 64 px GAN. Speed does not depend on the weights, so they are
freshly built and the "public" images are random; the reconstructions mean nothing, the seconds do. `--scale`
multiplies every step count (the second command checks every attack on a CPU in a few minutes, and PLG-MI's cGAN
in about 20 more: 60 of its 30,000 iterations of five discriminator steps at 64 px). KED-MI, Alignment and PLG-MI
include training their own networks (KED-MI's GAN, Yang's inversion network, PLG-MI's conditional GAN), as the
attacks define. Every attack of `netguard.invert.ATTACKS` runs unless `--attacks` names some; the budgets below are
the papers' (GMI 1,500 iterations, ...), and an attack without one runs with its defaults. Writes OUT.txt (default
bench/results/attacks_64px.txt; bench/gpu.sh writes bench/results/gpu_h200/attacks_64px.txt).
"""

import argparse
import time
from pathlib import Path

import torch

from netguard.cli import run_script
from netguard.data import TensorImages
from netguard.invert import ATTACKS, prepare_attack, run_attack
from netguard.models import build
from netguard.report import command_line, write_result
from netguard.train import get_preset


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--device', default='cuda' if torch.cuda.is_available() else 'cpu')
    ap.add_argument('--classes', type=int, default=1000, help='identities the target tells apart')
    ap.add_argument('--labels', type=int, default=8, help='identities attacked in one batched call')
    ap.add_argument('--n', type=int, default=8, help='reconstructions per identity')
    ap.add_argument('--public', type=int, default=2048, help='random "public" images for KED-MI and Alignment')
    ap.add_argument('--scale', type=float, default=1.0, help='multiplies every step count')
    ap.add_argument('--attacks', nargs='+', default=list(ATTACKS), choices=list(ATTACKS))
    ap.add_argument('--out', default=str(Path(__file__).parent / 'results' / 'attacks_64px'), help='writes OUT.txt')
    args = ap.parse_args(argv)
    p = get_preset('celeba64')
    dev = torch.device(args.device)
    torch.manual_seed(0)
    T = build(p.target.arch, args.classes, p.image_shape, **p.target.kwargs).to(dev).eval()
    G, D = (m.to(dev).eval() for m in p.gan.networks(p.image_shape))
    public = TensorImages(
        torch.randint(0, 256, (args.public, *p.image_shape), dtype=torch.uint8), torch.zeros(args.public)
    )
    labels = list(range(args.labels))

    def s(k):
        return max(2, int(k * args.scale))

    train = dict(
        kedmi=dict(steps=s(1000), width=p.gan.width),
        alignment=dict(steps=s(1500), width=p.gan.width),
        lomma=dict(steps=s(600)),  # its two surrogates, distilled on the public images
        plgmi_cgan=dict(steps=s(30000), top_n=30),  # top-30 pseudo-labels, then its conditional GAN
    )
    run = dict(gmi=dict(settings='gmi', steps=s(1500)), kedmi=dict(steps=s(300)), fredrikson=dict(steps=s(500)),
               mirror_b=dict(generations=s(50)), mirror_w=dict(steps=s(100)), plgmi=dict(steps=s(1500)),
               lomma=dict(steps=s(1500)), rlb_mi=dict(episodes=s(40000)), plgmi_cgan=dict(steps=s(600)))  # fmt: skip
    sync = torch.cuda.synchronize if dev.type == 'cuda' else (lambda: None)
    lines = [
        f"celeba64 networks ({p.target.arch} target over {args.classes} classes, GAN width {p.gan.width}), {dev}, "
        f"{args.labels} labels x {args.n} reconstructions",
        f"{'attack':11s} {'train s':>8s} {'attack s':>9s}  settings  -> output shape",
    ]
    print('\n'.join(lines), flush=True)
    for name in args.attacks:
        sync()
        t = time.perf_counter()
        models = prepare_attack(name, T, gan=(G, D), public=public, device=dev, progress=False, **train.get(name, {}))
        sync()
        t_train = time.perf_counter() - t
        t = time.perf_counter()
        res = run_attack(name, T, models, labels, args.n, device=dev, progress=False, **run.get(name, {}))
        sync()
        t_run = time.perf_counter() - t
        x = res.images
        assert x.shape == (args.labels, args.n, *p.image_shape) and torch.isfinite(x).all(), (name, tuple(x.shape))
        settings = dict(train.get(name, {}), **run.get(name, {}))
        lines.append(f"{name:11s} {t_train:8.1f} {t_run:9.1f}  {settings} -> {tuple(x.shape)}")
        print(lines[-1], flush=True)
    write_result(args.out, '\n'.join(lines), command=command_line(__file__, argv))


if __name__ == '__main__':
    run_script(main)
