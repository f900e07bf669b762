"Solutions to the exercises of 03_invert (the attacks)."

from netguard.invert import ZStepper, gmi, prepare_attack


def exercise_1(target, G, D, labels=(0, 1), steps: int = 30) -> dict:
    """The z-stepper with lam = 0.1 and lam = 1000. With lam = 0.1 the prior wins: the images stay realistic and the
    identity loss hardly falls (the target stays unsure). With lam = 1000 the identity term wins: the target becomes
    sure fast, and the prior loss rises as the images drift from what the discriminator finds realistic."""
    out = {}
    for lam in (0.1, 1000.0):
        s = ZStepper(target, G, D, list(labels), n=4, lam=lam, lr=0.02)
        start = dict(s.last)
        s.step(steps)
        out[lam] = dict(prior=(start['prior'], s.last['prior']), identity=(start['identity'], s.last['identity']))
    return out


def exercise_2(target, G, D, labels=(0, 1, 2, 3, 4), n: int = 8, steps: int = 100) -> dict:
    """GMI with prior='wgan' (-D(G(z))) on a DCGAN discriminator. That discriminator's score is a logit of "real",
    trained through a sigmoid: once an image is clearly real, pushing the logit higher does not make it more realistic,
    and the unbounded -D term can dominate lam * CE, pulling latents to wherever D is most extreme. The log form
    -log D = softplus(-score) saturates at 0 for real-looking images and leaves the identity term in charge.
    Returns the mean target confidence reached with each prior."""
    out = {}
    for prior in ('log', 'wgan'):
        r = gmi(target, G, D, list(labels), n, settings=None, steps=steps, lr=0.02, prior=prior, progress=False)
        out[prior] = r.trace[-1]['confidence']
    return out


def exercise_3(target, public, labels=(0, 1, 2, 3, 4), steps: int = 1000, n: int = 8) -> dict:
    """Alignment with a top-1 API (k=1): the inversion network only sees the winning class and its confidence. It can
    still learn one average image per class (and how "typical" an image is from the confidence), but not the
    within-class variation that the other classes' probabilities carry. Returns the reconstruction loss of the inversion
    network with the full vector and with k=1 (higher with k=1)."""
    out = {}
    for k in (None, 1):
        inv = prepare_attack('alignment', target, public=public, k=k, steps=steps)['inv']
        out['full' if k is None else 'top1'] = inv.final_loss
    return out
