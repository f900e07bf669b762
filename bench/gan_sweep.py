"""GAN recipes for the mnist5k prior on the CPU, beyond what `train_gan` offers; each run appends to the result file.

    python bench/gan_sweep.py --name bs32 --bs 32 --steps 1200 --every 400
    python bench/gan_sweep.py --name hinge-sn --loss hinge --sn 1 --dnorm none --lrg 2e-4 --lrd 2e-4 --b1 0 --b2 0.9

What it can change: batch size, DiffAugment on/off, one-sided label smoothing, hinge loss with a spectral-norm critic,
two learning rates (TTUR), learning-rate decay and an EMA of the generator (`--decay`: none, linear, cos, or half =
constant, then linear to 0 over the second half), an R1 penalty, DiffAugment's cutout (`--cutout 0.5`), a larger
generator batch (`--gmult`), top-k generator training (Sinha et al. 2020: `--topk 0.5` anneals from all fakes to the
best half), channels-last memory (`--cl 1`), another latent size (`--zdim 32`) and the DCGAN paper's N(0, 0.02)
initialisation (`--dcinit 1`). The defaults are an earlier preset (batches of 64, a critic as wide as the generator);
the preset's recipe is `--bs 32 --dwidth 16 --steps 2000 --cl 1`. `--threads 1` lets two runs share the 2 cores: their
seconds are then not comparable with 2-thread runs, but the samples are.

The loop is the preset's non-saturating DCGAN step (one critic step, then one generator step) written out, so that
losses and schedules `train_gan` does not offer can be tried without changing the library. Each line gives seconds so
far (quality checks excluded) and the fraction of 1,000 samples the preset's public classifier labels with confidence
>= 0.9 (the goal: 80%), with the smallest class share among those in brackets (0.20 when balanced, 0 when collapsed
onto one class). A run of 800 steps takes 1-2 minutes on 2 CPU cores. Each run appends its command, the versions and
its lines to OUT.txt (default bench/results/gan_sweep.txt), so the file collects every recipe tried.
"""

import argparse
import copy
import math
import time
from pathlib import Path

import torch
import torch.nn as nn
import torch.nn.functional as F

from netguard.cli import run_script
from netguard.core import stream, stream_seed
from netguard.models import build
from netguard.report import command_line, run_info
from netguard.train import augment, batch_stream, confident_fraction, get_preset, pretrained


def parse(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    add = ap.add_argument
    add('--name', default='run')
    add('--loss', default='ns', choices=['ns', 'hinge'])
    add('--dnorm', default='batch')
    add('--sn', type=int, default=0)
    add('--lrg', type=float, default=1e-3)
    add('--lrd', type=float, default=1e-3)
    add('--b1', type=float, default=0.5)
    add('--b2', type=float, default=0.999)
    add('--bs', type=int, default=64)
    add('--aug', type=int, default=1)
    add('--steps', type=int, default=800)
    add('--every', type=int, default=200)
    add('--width', type=int, default=32)
    add('--dwidth', type=int, default=0)
    add('--r1', type=float, default=0)
    add('--ema', type=float, default=0)
    add('--seed', type=int, default=0)
    add('--cl', type=int, default=0)
    add('--cutout', type=float, default=0)
    add('--gmult', type=int, default=1)
    add('--topk', type=float, default=1.0)
    add('--zdim', type=int, default=0)
    add('--dcinit', type=int, default=0)
    add('--decay', default='none', choices=['none', 'linear', 'cos', 'half'])
    add('--smooth', type=float, default=1.0)
    add('--threads', type=int, default=2)
    add('--out', default=str(Path(__file__).parent / 'results' / 'gan_sweep'), help='appends to OUT.txt')
    return ap.parse_args(argv)


def networks(a, p):
    "G and D of the recipe, initialised as it says."
    torch.manual_seed(stream_seed(a.seed, 'train.gan_init'))
    G = build('generator', image_shape=p.image_shape, z_dim=a.zdim or p.gan.z_dim, width=a.width)
    D = build('discriminator', image_shape=p.image_shape, width=a.dwidth or a.width, norm=a.dnorm)
    if a.dcinit:  # the DCGAN paper's initialisation: conv weights N(0, 0.02), norm scales N(1, 0.02), biases 0
        for m in list(G.modules()) + list(D.modules()):
            if isinstance(m, (nn.Conv2d, nn.ConvTranspose2d, nn.Linear)):
                nn.init.normal_(m.weight, 0.0, 0.02)
                if m.bias is not None:
                    nn.init.zeros_(m.bias)
            elif isinstance(m, (nn.BatchNorm1d, nn.BatchNorm2d)):
                nn.init.normal_(m.weight, 1.0, 0.02)
                nn.init.zeros_(m.bias)
    if a.sn:
        for m in D.modules():
            if isinstance(m, nn.Conv2d):
                nn.utils.parametrizations.spectral_norm(m)
    if a.cl:
        G.to(memory_format=torch.channels_last)
        D.to(memory_format=torch.channels_last)
    return G, D


def lr_factor(a, step: int) -> float:
    "The learning-rate factor of `--decay` at `step` (1-based)."
    done = (step - 1) / a.steps
    return {
        'none': 1.0,
        'linear': 1 - done,
        'cos': 0.5 * (1 + math.cos(math.pi * done)),
        'half': min(1.0, 2 * (1 - done)),
    }[a.decay]


def augmenter(a):
    "DiffAugment's shift (with `--aug`) and cutout (with `--cutout`), applied to real and fake images alike."

    def shift(x, g):
        return augment(x, g, max_rotate=0, max_shift=1 / 8, hflip=False) if a.aug else x

    def cutout(x, g):  # one zeroed (background) square of side cutout*size per image, at a random place
        n, _, h, w = x.shape
        k = int(a.cutout * h + 0.5)
        cy, cx = torch.randint(0, h, (n, 1, 1), generator=g), torch.randint(0, w, (n, 1, 1), generator=g)
        ys, xs = torch.arange(h).view(1, h, 1), torch.arange(w).view(1, 1, w)
        m = ((ys - cy).abs() <= k // 2) & ((xs - cx).abs() <= k // 2)
        return torch.where(m.unsqueeze(1), torch.full_like(x, -1.0), x)

    return (lambda x, g: cutout(shift(x, g), g)) if a.cutout else shift


def main(argv=None):
    a = parse(argv)
    torch.set_num_threads(a.threads)
    p = get_preset('mnist5k')
    public, data = pretrained(p, 'public', a.seed, 'cpu'), p.split(a.seed).public
    G, D = networks(a, p)
    og = torch.optim.Adam(G.parameters(), a.lrg, betas=(a.b1, a.b2))
    od = torch.optim.Adam(D.parameters(), a.lrd, betas=(a.b1, a.b2))
    Ge = copy.deepcopy(G) if a.ema else None
    aug = augmenter(a)

    def quality(model):
        q = confident_fraction(model, public, 1000, seed=123, min_share=True)
        model.train()
        return q

    out = Path(a.out).with_name(Path(a.out).name + '.txt')
    said = ', '.join(f'{k} {v}' for k, v in run_info().items() if v is not None)
    lines = [f'$ {command_line(__file__, argv)}', f'# {said}']
    reals, t0, t_checks = batch_stream(data, a.bs, a.seed), time.perf_counter(), 0.0
    for step in range(1, a.steps + 1):
        g = stream(a.seed, 'train.gan_step', step)
        for opt, lr in ((og, a.lrg), (od, a.lrd)):
            for group in opt.param_groups:
                group['lr'] = lr * lr_factor(a, step)
        real = next(reals)
        z = G.sample_z(len(real), g)
        with torch.no_grad():
            fake = G(z)
        if a.r1:
            real.requires_grad_(True)
        dr, df = D(aug(real, g)), D(aug(fake, g))
        if a.loss == 'ns':
            dl = F.binary_cross_entropy_with_logits(dr, torch.full_like(dr, a.smooth)) + F.softplus(df).mean()
        else:
            dl = F.relu(1 - dr).mean() + F.relu(1 + df).mean()
        if a.r1:
            (gr,) = torch.autograd.grad(dr.sum(), real, create_graph=True)
            dl = dl + a.r1 / 2 * gr.pow(2).flatten(1).sum(1).mean()
        od.zero_grad()
        dl.backward()
        od.step()
        s = D(aug(G(G.sample_z(a.bs * a.gmult, g)), g))
        if a.topk < 1:  # Sinha et al. 2020: the generator learns only from the fakes D scores best, k annealed
            s = s.topk(max(1, round(len(s) * (1 - (1 - a.topk) * (step - 1) / a.steps)))).values
        gl = F.softplus(-s).mean() if a.loss == 'ns' else -s.mean()
        og.zero_grad()
        gl.backward()
        og.step()
        if Ge is not None:
            with torch.no_grad():
                for pe, pc in zip(Ge.parameters(), G.parameters()):
                    pe.lerp_(pc, 1 - a.ema)
                for be, bc in zip(Ge.buffers(), G.buffers()):
                    be.copy_(bc)
        if step % a.every == 0:
            t1 = time.perf_counter()
            trained = t1 - t0 - t_checks  # seconds of training, the quality checks left out
            q, qe = quality(G), quality(Ge) if Ge is not None else None
            t_checks += time.perf_counter() - t1
            lines.append(f"{a.name:10s} {step:5d} {trained:6.1f}s  {q[0]:.3f} ({q[1]:.2f})"
                         + (f" ema {qe[0]:.3f} ({qe[1]:.2f})" if qe else ''))  # fmt: skip
            print(lines[-1], flush=True)
    out.parent.mkdir(parents=True, exist_ok=True)
    with open(out, 'a') as f:
        f.write(('\n' if out.exists() and out.stat().st_size else '') + '\n'.join(lines) + '\n')


if __name__ == '__main__':
    run_script(main)
