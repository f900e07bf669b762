"""Every attack at 64 px: the `celeba64` preset's networks (VGG16 target over K identities, the 64 px GAN), each attack
run on several identities at once, timed. Speed does not depend on the weights, so the networks are freshly built and the
"public" images are random; the reconstructions mean nothing, the seconds do.

    python bench/attacks_64px.py --device cuda [--classes 1000] [--labels 8] [--n 8] [--scale 1.0]

`--scale` multiplies every step count (0.02 makes a quick CPU check). KED-MI and Alignment include training their own
networks (KED-MI's GAN, Yang's inversion network), as the attacks define.
"""
import argparse, time

import torch

from netguard.data import TensorImages
from netguard.invert import ATTACKS, prepare_attack, run_attack
from netguard.models import build
from netguard.train import get_preset

ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
ap.add_argument('--device', default='cuda' if torch.cuda.is_available() else 'cpu')
ap.add_argument('--classes', type=int, default=1000, help='identities the target tells apart')
ap.add_argument('--labels', type=int, default=8, help='identities attacked in one batched call')
ap.add_argument('--n', type=int, default=8, help='reconstructions per identity')
ap.add_argument('--public', type=int, default=2048, help='random "public" images for KED-MI and Alignment')
ap.add_argument('--scale', type=float, default=1.0, help='multiplies every step count')
ap.add_argument('--attacks', nargs='+', default=list(ATTACKS))
args = ap.parse_args()
p = get_preset('celeba64')
dev = torch.device(args.device)
torch.manual_seed(0)
T = build(p.target.arch, args.classes, p.image_shape, **p.target.kwargs).to(dev).eval()
G, D = (m.to(dev).eval() for m in p.gan.networks(p.image_shape))
public = TensorImages(torch.randint(0, 256, (args.public, *p.image_shape), dtype=torch.uint8), torch.zeros(args.public))
labels = list(range(args.labels))
s = lambda k: max(2, int(k * args.scale))
train = dict(kedmi=dict(steps=s(1000), width=p.gan.width), alignment=dict(steps=s(1500), width=p.gan.width))
run = dict(gmi=dict(settings='gmi', steps=s(1500)), kedmi=dict(steps=s(300)), fredrikson=dict(steps=s(500)),
           alignment={}, mirror_b=dict(generations=s(50)), mirror_w=dict(steps=s(100)))
sync = torch.cuda.synchronize if dev.type == 'cuda' else (lambda: None)
print(f"celeba64 networks ({p.target.arch} target over {args.classes} classes, GAN width {p.gan.width}), {dev}, "
      f"{args.labels} labels x {args.n} reconstructions")
print(f"{'attack':11s} {'train s':>8s} {'attack s':>9s}  settings  -> output shape")
for name in args.attacks:
    sync(); t = time.perf_counter()
    models = prepare_attack(name, T, gan=(G, D), public=public, device=dev, progress=False, **train.get(name, {}))
    sync(); t_train = time.perf_counter() - t
    t = time.perf_counter()
    res = run_attack(name, T, models, labels, args.n, device=dev, progress=False, **run[name])
    sync(); t_run = time.perf_counter() - t
    x = res.images
    assert x.shape == (args.labels, args.n, *p.image_shape) and torch.isfinite(x).all(), (name, tuple(x.shape))
    print(f"{name:11s} {t_train:8.1f} {t_run:9.1f}  {dict(train.get(name, {}), **run[name])} -> {tuple(x.shape)}", flush=True)
