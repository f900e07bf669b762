"""Same seeds, same numbers: a tiny NetGuard defense, a few GMI steps and a few steps of every other seeded function
(training, the attacks, DP-SGD, Ad-mi, the decoy choice, the judges' baseline) on the shipped mnist5k models; save the
outputs, or compare them with saved ones. Proves a refactor leaves every random stream (`netguard.core.STREAMS`) alone.

    python tools/same_numbers.py save before.pt     # on the old code (e.g. a `git worktree` of the old commit)
    python tools/same_numbers.py check before.pt    # on the new code: torch.equal on each tensor; exit 1 if any differs

About 15 s on one CPU thread.
"""

import os
import sys

os.environ.setdefault('NETGUARD_QUIET', '1')

import torch  # noqa: E402

from netguard.defend import admi, choose_decoys, dp_sgd, netguard  # noqa: E402
from netguard.eval import gan_samples, random_baseline  # noqa: E402
from netguard.invert import (  # noqa: E402
    alignment,
    distill,
    fredrikson,
    gmi,
    kedmi,
    mirror_b,
    prepare_attack,
    train_alignment,
    train_kedmi_gan,
)
from netguard.models import build  # noqa: E402
from netguard.train import epoch_batches, get_preset, pretrained, train_classifier, train_gan  # noqa: E402


def outputs() -> dict:
    torch.set_num_threads(1)
    target, public = pretrained('mnist5k', 'target'), pretrained('mnist5k', 'public')
    gan = pretrained('mnist5k', 'gan')
    split = get_preset('mnist5k').split()
    res = netguard(
        target, public, gan, split.private_train, split.public, [0],
        seed=0, steps=5, n_fake=8, invert_steps=5, anchor_others=2, fisher_samples=64,
    )  # fmt: skip
    out = {f'netguard.{k}': v.detach().clone() for k, v in res.model.state_dict().items()}
    att = gmi(target, gan[0], gan[1], [0, 1], n=4, steps=5, seed=0)
    out['gmi.images'] = att.images.detach().clone()
    out['epoch_batches'] = torch.stack(epoch_batches(100, 10, seed=0, epoch=3))
    # the other streams, each for a few steps on small data
    G, D = gan
    pub = split.public.subset(range(0, len(split.public), 20))
    small = split.private_train.subset(range(0, 2000, 8))
    torch.manual_seed(0)
    clf = build('cnn', 5, width=8)
    train_classifier(clf, small, epochs=1, seed=3, device='cpu')  # epoch order, dropout, augmentation
    out['train_classifier'] = torch.cat([p.detach().flatten() for p in clf.parameters()])
    out['fredrikson'] = fredrikson(target, [1], n=2, steps=3, init='random', seed=0).images
    out['mirror_b'] = mirror_b(target, G, [2], n=2, population=8, generations=2, elite=4, seed=0).images
    inv = train_alignment(target, pub, steps=3, width=8, seed=0)
    out['alignment'] = alignment(inv, [0, 3], n=2, seed=0).images
    sur = distill(target, pub, steps=3, width=8, seed=0)
    out['distill'] = torch.cat([p.detach().flatten() for p in sur.parameters()])
    kG, kD = train_kedmi_gan(target, pub, steps=2, width=8, z_dim=16, seed=0)
    out['kedmi'] = kedmi(target, kG, kD, [4], n=2, steps=3, batch_per_label=4, seed=0).images
    out['gan_samples'] = gan_samples(G, 8, seed=0)
    dp = dp_sgd(target, small, epochs=1, batch_size=64, seed=0)
    out['dp_sgd'] = torch.cat([p.detach().flatten() for p in dp.model.parameters()])
    torch.manual_seed(0)
    spec = get_preset('mnist5k').gan
    G2, D2 = spec.networks((1, 32, 32))
    hist = train_gan(
        G2, D2, pub, loss=spec.loss, steps=2, n_critic=1, batch_size=16, seed=0, device='cpu', sample_every=1,
        diff_augment=True,
    )  # fmt: skip
    out['train_gan'] = torch.cat([p.detach().flatten() for p in G2.parameters()])
    out['train_gan.samples'] = hist[-1]['samples']  # the fixed latents' grid
    ad = admi(target, pub, steps=2, inv_steps=3, seed=0)
    out['admi'] = torch.cat([v.detach().float().flatten() for v in ad.model.state_dict().values()])
    x_pub = torch.randn(5, 3, 1, 32, 32, generator=torch.Generator().manual_seed(0))  # (classes, images, C, H, W)
    out['choose_decoys'] = torch.tensor(list(choose_decoys('random', target, x_pub, [0, 1], k=2, seed=0).values()))
    ev, ck = pretrained('mnist5k', 'evaluator'), pretrained('mnist5k', 'checker')
    rb = random_baseline(G, ev, ck, [0, 1], n=16, seed=0)
    out['random_baseline'] = torch.tensor([v for k in ('aa', 'all_class') for v in rb[k].values()])
    lomma = prepare_attack('lomma', target, gan, pub, seed=0, steps=2)
    out['lomma'] = torch.cat([p.detach().flatten() for m in lomma['surrogates'] for p in m.parameters()])
    return out


if __name__ == '__main__':
    mode, path = sys.argv[1], sys.argv[2]
    got = outputs()
    if mode == 'save':
        torch.save(got, path)
        print(f'saved {len(got)} tensors to {path}')
    else:
        ref = torch.load(path)
        diff = [k for k in ref if k not in got or not torch.equal(ref[k], got[k])] + [k for k in got if k not in ref]
        print(f'{len(ref)} tensors compared with torch.equal: {len(ref) - len(diff)} identical, {len(diff)} differ')
        for k in diff:
            print('  differs:', k)
        sys.exit(1 if diff else 0)
