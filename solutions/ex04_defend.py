"Solutions to the exercises of 04_defend (NetGuard and the baselines)."

import copy

import torch

from netguard.defend import (
    NetGuardConfig,
    NetGuardTrainer,
    choose_decoys,
    confusion_with,
    ewc_penalty,
    fisher_diagonal,
)
from netguard.train import accuracy
from netguard.widgets import WIDGET_SETTINGS


def exercise_1(
    target,
    public_model,
    gan,
    split,
    lams=(0.01, 100.0),
    steps: int = 100,
    cfg: NetGuardConfig | None = None,
    seed: int = 0,
) -> dict:
    """The widget with lam = 0.01 and lam = 100, `steps` steps each from the trained weights (its settings,
    `WIDGET_SETTINGS`, and its decoys, among `split.public_only`, unless `cfg` says otherwise). With a tiny lam EWC lets
    the weights go: they move further from the trained ones (the EWC penalty at lam = 1, a Fisher-weighted distance, is
    tens of times larger) and the decoy loss (`public`, CE(decoys -> l_t)) falls further, so the fresh inversion of
    l_t turns into the decoy sooner. With lam = 100 the weights stay near the trained ones and the decoy is learnt
    slowly. MC(all) does not fall either way: the replay of private batches, not EWC, is what keeps accuracy. Returns,
    per lam, MC(all), the weights' move and the decoy loss (mean of the last 5 steps), and the original's MC(all)."""
    cfg = cfg or NetGuardConfig(**WIDGET_SETTINGS)
    tr = NetGuardTrainer(
        target, public_model, *gan, split.private_train, split.public, [0], cfg, seed=seed,
        decoy_classes=split.public_only,
    )  # fmt: skip
    out = dict(original=accuracy(tr.original, split.private_test))
    for lam in lams:
        tr.reset()
        tr.cfg.lam = lam
        tr.step(steps)
        out[lam] = dict(
            mc_all=accuracy(tr.model, split.private_test),
            moved=ewc_penalty(tr.model, tr.fisher, tr.anchor, 1.0).item(),
            decoy_loss=sum(row['public'] for row in tr.history[-5:]) / len(tr.history[-5:]),
        )
    return out


def exercise_2(target, public_images) -> dict:
    """Decoys for 0 by 'most_confused' and 'least_confused', with how much the target reads each public digit's images
    as 0 (`confusion_with`). 'most_confused' picks the public digit the target already reads most as 0: an evaluator
    reads it as 0 too, so the attack still scores. 'least_confused' picks the one it reads least as 0, but that one may
    be read as another private digit (9 as 4), which then loses its attack landscape (`read_as`: the private digit the
    target reads each public digit's images as most)."""
    q = torch.stack([confusion_with(target, imgs) for imgs in public_images])  # (public digits, private digits)
    picks = {rule: choose_decoys(rule, target, public_images, [0])[0] for rule in ('most_confused', 'least_confused')}
    return picks | dict(reads_as_0=q[:, 0].tolist(), read_as=q.argmax(1).tolist())


def exercise_3(target, data, max_samples: int = 2000) -> dict:
    """The raw diagonal Fisher of a well-fit model is tiny per weight (mean about 1e-3 on the mnist5k target): with
    lam = 1 the EWC penalty of a move of 0.01 in every weight is about 1e-3 * 1e-4 / 2 per weight, nothing next to the
    decoy loss. lam would have to be about 1 / mean(F), around 1e3, to weigh like the normalised Fisher at lam = 1."""
    f = fisher_diagonal(target, data, normalize=None, max_samples=max_samples)
    flat = torch.cat([v.flatten() for v in f.values()])
    return dict(sum=flat.sum().item(), mean=flat.mean().item(), lam_equivalent=1 / flat.mean().item())


def my_ewc_penalty(model, fisher, anchor, lam):
    "EWC from the formula: sum_i lam/2 * F_i * (theta_i - theta*_i)^2."
    total = 0.0
    for name, p in model.named_parameters():
        total = total + (lam / 2) * (fisher[name] * (p - anchor[name]) ** 2).sum()
    return total


def exercise_4(target, data, lam: float = 2.0, shift: float = 0.01) -> tuple[float, float]:
    "Our EWC penalty against the library's on a perturbed copy of the target: the two numbers agree."
    fisher = fisher_diagonal(target, data, max_samples=64)
    anchor = {k: v.detach().clone() for k, v in target.named_parameters()}
    moved = copy.deepcopy(target)
    with torch.no_grad():
        for p in moved.parameters():
            p.add_(shift)
    return float(my_ewc_penalty(moved, fisher, anchor, lam).detach()), float(
        ewc_penalty(moved, fisher, anchor, lam).detach()
    )
