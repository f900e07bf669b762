"""GAN recipes for the mnist5k prior on the CPU, beyond what `train_gan` offers: batch size, DiffAugment on/off,
one-sided label smoothing, hinge loss with a spectral-norm critic, two learning rates (TTUR), learning-rate decay and an
EMA of the generator (`--decay`: none, linear, cos, or half = constant, then linear to 0 over the second half), an R1
penalty, DiffAugment's cutout (`--cutout 0.5`), a larger generator batch (`--gmult`), top-k generator training (Sinha et
al. 2020: `--topk 0.5` anneals from all fakes to the best half), channels-last memory (`--cl 1`), another latent size
(`--zdim 32`) and the DCGAN paper's N(0, 0.02) initialisation (`--dcinit 1`). `--threads 1` lets two runs share the
2 cores: their seconds are then not comparable with 2-thread runs, but the samples are (the same run gives the same
numbers with the same thread count). The defaults are the
earlier preset (batches of 64, a critic as wide as the generator); the preset today is
`--bs 32 --dwidth 16 --steps 2000 --cl 1`.
Each line gives seconds so far (quality checks excluded) and the fraction of 1,000 samples the
preset's public classifier labels with confidence >= 0.9 (issue 3's goal: 80%), with the smallest class share among
those in brackets (0.20 when balanced, 0 when collapsed onto one class).

    python bench/gan_sweep.py --name bs32 --bs 32 --steps 1200 --every 400
    python bench/gan_sweep.py --name hinge-sn --loss hinge --sn 1 --dnorm none --lrg 2e-4 --lrd 2e-4 --b1 0 --b2 0.9

The loop is the preset's non-saturating DCGAN step (one critic step, then one generator step) written out, so that
losses and schedules `train_gan` does not offer can be tried without changing the library. Results on 2 CPU cores:
bench/results/gan_sweep_cpu.txt.
"""
import argparse, copy, os, time, math, torch, torch.nn as nn, torch.nn.functional as F
os.environ['NETGUARD_QUIET']='1'
from netguard.models import build
from netguard.train import get_preset, mix_seed, pretrained, augment, batch_stream, confident_fraction
ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
ap.add_argument('--name'); ap.add_argument('--loss', default='ns'); ap.add_argument('--dnorm', default='batch')
ap.add_argument('--sn', type=int, default=0); ap.add_argument('--lrg', type=float, default=1e-3); ap.add_argument('--lrd', type=float, default=1e-3)
ap.add_argument('--b1', type=float, default=0.5); ap.add_argument('--b2', type=float, default=0.999)
ap.add_argument('--bs', type=int, default=64); ap.add_argument('--aug', type=int, default=1); ap.add_argument('--steps', type=int, default=800)
ap.add_argument('--every', type=int, default=200); ap.add_argument('--width', type=int, default=32); ap.add_argument('--dwidth', type=int, default=0)
ap.add_argument('--r1', type=float, default=0); ap.add_argument('--ema', type=float, default=0); ap.add_argument('--seed', type=int, default=0)
ap.add_argument('--cl', type=int, default=0); ap.add_argument('--cutout', type=float, default=0); ap.add_argument('--gmult', type=int, default=1)
ap.add_argument('--topk', type=float, default=1.0); ap.add_argument('--zdim', type=int, default=0)
ap.add_argument('--dcinit', type=int, default=0)
ap.add_argument('--decay', default='none'); ap.add_argument('--smooth', type=float, default=1.0); ap.add_argument('--threads', type=int, default=2)
a = ap.parse_args()
torch.set_num_threads(a.threads)
p = get_preset('mnist5k'); public = pretrained(p, 'public', a.seed, 'cpu'); data = p.split(a.seed).public
torch.manual_seed(mix_seed(a.seed, 11))
G = build('generator', image_shape=p.image_shape, z_dim=a.zdim or p.gan.z_dim, width=a.width)
D = build('discriminator', image_shape=p.image_shape, width=a.dwidth or a.width, norm=a.dnorm)
if a.dcinit:  # the DCGAN paper's initialisation: conv weights N(0, 0.02), norm scales N(1, 0.02), biases 0
    for m in list(G.modules()) + list(D.modules()):
        if isinstance(m, (nn.Conv2d, nn.ConvTranspose2d, nn.Linear)):
            nn.init.normal_(m.weight, 0.0, 0.02)
            if m.bias is not None: nn.init.zeros_(m.bias)
        elif isinstance(m, (nn.BatchNorm1d, nn.BatchNorm2d)): nn.init.normal_(m.weight, 1.0, 0.02); nn.init.zeros_(m.bias)
if a.sn:
    for m in D.modules():
        if isinstance(m, nn.Conv2d): nn.utils.parametrizations.spectral_norm(m)
og = torch.optim.Adam(G.parameters(), a.lrg, betas=(a.b1, a.b2)); od = torch.optim.Adam(D.parameters(), a.lrd, betas=(a.b1, a.b2))
if a.cl: G.to(memory_format=torch.channels_last); D.to(memory_format=torch.channels_last)
Ge = copy.deepcopy(G) if a.ema else None
shift = (lambda x, g: augment(x, g, max_rotate=0, max_shift=1/8, hflip=False)) if a.aug else (lambda x, g: x)
def cutout(x, g):
    "DiffAugment's cutout: one zeroed (background) square of side cutout*size per image, at a random place"
    n, _, h, w = x.shape; k = int(a.cutout * h + 0.5)
    cy, cx = torch.randint(0, h, (n, 1, 1), generator=g), torch.randint(0, w, (n, 1, 1), generator=g)
    ys, xs = torch.arange(h).view(1, h, 1), torch.arange(w).view(1, 1, w)
    m = ((ys - cy).abs() <= k // 2) & ((xs - cx).abs() <= k // 2)
    return torch.where(m.unsqueeze(1), torch.full_like(x, -1.0), x)
aug = (lambda x, g: cutout(shift(x, g), g)) if a.cutout else shift
def quality(G, n=1000):
    q = confident_fraction(G, public, n, seed=123, min_share=True); G.train()
    return q
reals = batch_stream(data, a.bs, a.seed); t0 = time.perf_counter(); tq = 0
for step in range(1, a.steps + 1):
    g = torch.Generator().manual_seed(mix_seed(a.seed, step, 3))
    f = 1.0 if a.decay == 'none' else (1 - (step - 1) / a.steps) if a.decay == 'linear' else 0.5 * (1 + math.cos(math.pi * (step - 1) / a.steps)) if a.decay == 'cos' else min(1.0, 2 * (1 - (step - 1) / a.steps))
    for gr_ in og.param_groups: gr_['lr'] = a.lrg * f
    for gr_ in od.param_groups: gr_['lr'] = a.lrd * f
    real = next(reals); z = G.sample_z(len(real), g)
    with torch.no_grad(): fake = G(z)
    if a.r1: real.requires_grad_(True)
    ra, fa = aug(real, g), aug(fake, g)
    dr, df = D(ra), D(fa)
    if a.loss == 'ns': dl = F.binary_cross_entropy_with_logits(dr, torch.full_like(dr, a.smooth)) + F.softplus(df).mean()
    else: dl = F.relu(1 - dr).mean() + F.relu(1 + df).mean()
    if a.r1:
        gr, = torch.autograd.grad(dr.sum(), real, create_graph=True)
        dl = dl + a.r1 / 2 * gr.pow(2).flatten(1).sum(1).mean()
    od.zero_grad(); dl.backward(); od.step()
    z = G.sample_z(a.bs * a.gmult, g); s = D(aug(G(z), g))
    if a.topk < 1:  # Sinha et al. 2020: the generator learns only from the fakes D scores best, k annealed from all to topk
        k = max(1, round(len(s) * (1 - (1 - a.topk) * (step - 1) / a.steps))); s = s.topk(k).values
    gl = F.softplus(-s).mean() if a.loss == 'ns' else -s.mean()
    og.zero_grad(); gl.backward(); og.step()
    if Ge is not None:
        with torch.no_grad():
            for pe, pc in zip(Ge.parameters(), G.parameters()): pe.lerp_(pc, 1 - a.ema)
            for be, bc in zip(Ge.buffers(), G.buffers()): be.copy_(bc)
    if step % a.every == 0:
        t1 = time.perf_counter(); trained = t1 - t0 - tq  # seconds of training, the earlier quality checks left out
        q = quality(G); qe = quality(Ge) if Ge is not None else None; tq += time.perf_counter() - t1
        print(f"{a.name:10s} {step:5d} {trained:6.1f}s  {q[0]:.3f} ({q[1]:.2f})" + (f" ema {qe[0]:.3f} ({qe[1]:.2f})" if qe else ''), flush=True)
