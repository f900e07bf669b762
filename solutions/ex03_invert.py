"Solutions to the exercises of 03_invert (the attacks)."

import torch
import torch.nn.functional as F

from netguard.core import fetch, predict
from netguard.invert import ZStepper, gmi, train_alignment, truncate


def exercise_1(target, G, D, checker, labels=range(5), steps: int = 60) -> dict:
    """The chapter's z-stepper (max-margin loss, three latents per private digit) with lam = 0.1 and lam = 1000, `steps`
    steps each from the same start. With lam = 0.1 the prior wins: its loss falls (the images stay realistic public
    digits, a little smoother than at the start) and the identity loss falls less; the all-class checker reads hardly
    any image as the attacked private digit. With lam = 1000 the identity term wins: its loss falls much further, the
    prior loss hardly moves (the images leave what the discriminator finds most realistic), and some images turn into
    the private digit itself (1s and 4s grow out of 6s, 8s and 9s): the checker reads those as the attacked digit.

    The evaluator cannot answer this question: it knows only the five private digits, so it must call every image one
    of them, and it reads most of the public-looking images as the attacked digit too. Only the all-class checker can
    say "that is a public digit".

    Returns, for each lam, the (start, end) of the mean prior and identity losses, the images and the digits they were
    searched for, and the share of the images that the all-class checker reads as the attacked digit ('real')."""
    out = {}
    for lam in (0.1, 1000.0):
        s = ZStepper(target, G, D, list(labels), n=3, lam=lam, loss='max_margin')
        start = dict(s.last)
        s.step(steps)
        images, attacked = s.images(), s.y.cpu()
        real = (predict(checker, images).argmax(1) == attacked).float().mean().item()
        out[lam] = dict(prior=(start['prior'], s.last['prior']), identity=(start['identity'], s.last['identity']))
        out[lam] |= dict(images=images, labels=attacked, real=real)
    return out


def exercise_2(target, G, D, labels=(0, 1, 2, 3, 4), n: int = 8, steps: int = 100, lam: float = 1.0) -> dict:
    """GMI with prior='log' (-log D(G(z))) and prior='wgan' (-D(G(z))) on a DCGAN discriminator, with a small lam so
    that the prior has a say. That discriminator's score is the logit of "real", trained through a sigmoid:
    -log D = softplus(-score), whose gradient is sigmoid(-score) times that of -score. The log prior's pull fades
    as the discriminator becomes sure an image is real; -D pulls as hard at any score, so the search keeps raising the
    score past "clearly real", where a higher logit means nothing more about realism, and spends its steps there
    instead of on the identity. With the same steps, -D drives the discriminator's score of the reconstructions
    higher.

    Returns, for each prior, the discriminator's mean score of the reconstructions ('score') and the target's mean
    confidence in their labels ('confidence')."""
    out = {}
    for prior in ('log', 'wgan'):
        r = gmi(target, G, D, list(labels), n, settings='gmi', steps=steps, lam=lam, prior=prior, progress=False)
        with torch.no_grad():
            score = D(r.images.flatten(0, 1).to(next(D.parameters()).device)).mean().item()
        out[prior] = dict(score=score, confidence=r.trace[-1]['confidence'])
    return out


def exercise_3(target, public, steps: int = 1000, width: int = 32, n_eval: int = 500, seed: int = 0) -> dict:
    """Alignment with a top-1 API (k=1): the inversion network only sees the winning class and its confidence. It
    still learns what each class looks like on average (and, from the confidence, how typical an image is), so it
    reconstructs public images better than the mean public image does; but not the within-class variation that the
    other classes' probabilities carry, so it reconstructs them worse than the network that sees the full vector.

    Returns the mean squared reconstruction error on `n_eval` public images for the full vector ('full'), the top-1
    API ('top1'), and drawing every image as the mean public image ('mean_image')."""
    idx = torch.randperm(len(public), generator=torch.Generator().manual_seed(seed))[:n_eval]
    ((x, _),) = fetch(public, [idx])
    ((every, _),) = fetch(public, [torch.arange(len(public))])
    out = dict(mean_image=F.mse_loss(every.mean(0, keepdim=True).expand_as(x), x).item())
    x = x.to(next(target.parameters()).device)
    for k in (None, 1):
        inv = train_alignment(target, public, k=k, steps=steps, width=width, seed=seed)
        with torch.no_grad():
            out['full' if k is None else 'top1'] = F.mse_loss(inv(truncate(target(x).softmax(1), k)), x).item()
    return out
