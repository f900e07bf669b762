"Solutions to the exercises of 05_eval (metrics and the benchmark)."

import math
import statistics

import torch
import torch.nn.functional as F

from netguard.defend import admi
from netguard.eval import feature_fid, random_baseline
from netguard.harness import run_benchmark
from netguard.train import mix_seed


def exercise_1(G, evaluator, checker, classes=range(5), n: int = 5000, latents: int = 64, seed: int = 0) -> dict:
    """The evaluator on `n` random G(z): on mnist5k's GAN it does not split them evenly over the private digits (the
    public digits it has never seen land on the digit they look most like), so each class has its own chance level.
    An attack with `latents` reconstructions per class has learnt something about class c only when its AA is well
    above that chance level: here, above the chance level plus two binomial standard errors. Returns the per-class
    chance levels, the favoured class and those thresholds."""
    b = random_baseline(G, evaluator, checker, list(classes), n=n, seed=seed)
    favoured = max(b['aa'], key=b['aa'].get)
    need = {c: p + 2 * math.sqrt(max(p * (1 - p), 1e-12) / latents) for c, p in b['aa'].items()}
    return dict(aa=b['aa'], all_class=b['all_class'], favoured=favoured, threshold=need, latents=latents)


def exercise_2(seeds=(0, 1, 2), n: int = 64, protected: int = 0, **bench) -> dict:
    """The benchmark with several seeds: the spread (standard deviation over seeds) of AA(l_t) per defense, and the gap
    between the original's and NetGuard's mean AA(l_t). On mnist5k with n = 64 the spread is a few points and the gap
    about 60 points, so the conclusion does not depend on the seed. The spread of a fraction over n latents falls like
    1/sqrt(n): `latents_to_halve` finds, from the spread of a binomial fraction at the original's AA, that halving it
    takes 4x the latents (the part of the spread that the defense's own randomness adds does not fall)."""
    rows = run_benchmark(
        attacks=('gmi',),
        defenses=('original', 'netguard'),
        seeds=seeds,
        n=n,
        protected=(protected,),
        progress=False,
        **bench,
    )
    aa = {d: [r['aa_top1'][protected] for r in rows if r['defense'] == d] for d in ('original', 'netguard')}
    spread = {d: statistics.stdev(v) if len(v) > 1 else 0.0 for d, v in aa.items()}
    gap = statistics.mean(aa['original']) - statistics.mean(aa['netguard'])
    return dict(aa=aa, spread=spread, gap=gap, latents_to_halve=latents_to_halve(statistics.mean(aa['original']), n))


def binomial_spread(p: float, m: int) -> float:
    "The standard deviation of the fraction of hits among `m` latents that each hit with chance `p`, from its pmf."
    k = torch.arange(m + 1, dtype=torch.float64)
    pmf = torch.distributions.Binomial(m, probs=torch.tensor(p, dtype=torch.float64)).log_prob(k).exp()
    mean = (pmf * k / m).sum()
    return (pmf * (k / m - mean) ** 2).sum().sqrt().item()


def latents_to_halve(p: float, n: int) -> int:
    """The fewest latents whose AA spreads half as much as AA over `n` latents, for an attack that hits with chance
    `p` (held inside [1/n, 1 - 1/n]: a fraction seen as 0 or 1 over n latents is still uncertain by about 1/n)."""
    p = min(max(p, 1 / n), 1 - 1 / n)
    half = binomial_spread(p, n) / 2
    m = n
    while binomial_spread(p, m) > half * (1 + 1e-9):
        m += 1
    return m


def exercise_3(G, evaluator, private_images: torch.Tensor, sizes=(100, 1000), seed: int = 0) -> dict:
    """`feature_fid` of random G(z) against the private images, with few and with many samples. The Fréchet distance
    estimated from N samples is biased upward, more for small N (the covariance estimates are noisy, and noise adds
    to the trace term), so the 100-sample value is larger. FIDs are comparable only at the same sample size, feature
    extractor and image preprocessing: a paper's numbers and ours are not."""
    g = torch.Generator().manual_seed(mix_seed(seed, 5))
    out = {}
    with torch.no_grad():
        for n in sizes:
            x = G(G.sample_z(n, g))
            out[n] = feature_fid(evaluator, x, private_images)
    return out


def exercise_4(target, aux, images: torch.Tensor, label: int = 0, inv_steps: int = 1000, seed: int = 0) -> dict:
    """Ad-mi changes the confidences the model *returns* (to fool an inversion network that reads them), not the
    function a white-box attacker differentiates: the returned scores have exactly the undefended model's Jacobian with
    respect to the input, so the gradient of the label's score is the same, and the identity loss's gradient differs
    only by the (perturbed) softmax weights it is multiplied with: it points the same way (cosine near 1). GMI, KED-MI,
    Mirror-W and Fredrikson climb as before; only black-box attacks that learn from the returned confidences
    (Alignment, Mirror-B) can be misled. DP-SGD protects against all of them a little, at a large cost in accuracy;
    NetGuard moves what the gradient leads to. Returns the largest difference between the two gradients of the label's
    score, the cosine between the two identity-loss gradients, and how far the returned confidences moved."""
    defended = admi(target, aux, inv_steps=inv_steps, seed=seed, progress=False).model
    target.eval()  # as the attacker queries it (and as the Ad-mi wrapper runs it)
    score, ce = [], []
    for m in (target, defended):
        x = images.clone().requires_grad_(True)
        (g,) = torch.autograd.grad(m(x)[:, label].sum(), x)
        score.append(g)
        x = images.clone().requires_grad_(True)
        (g,) = torch.autograd.grad(F.cross_entropy(m(x), torch.full((len(x),), label)), x)
        ce.append(g)
    with torch.no_grad():
        moved = (defended(images).softmax(1) - target(images).softmax(1)).abs().max().item()
    return dict(
        grad_diff=(score[0] - score[1]).abs().max().item(),
        grad_scale=score[0].abs().max().item(),
        ce_cosine=F.cosine_similarity(ce[0].flatten(), ce[1].flatten(), dim=0).item(),
        confidence_moved=moved,
    )
