"""Same seeds, same numbers: run a tiny NetGuard defense and a few GMI steps on the cached mnist5k models and save
(or compare against) the outputs. Used to prove a refactor leaves every random stream as it was.

    python tools/same_numbers.py save before.pt     # on the old code
    python tools/same_numbers.py check before.pt    # on the new code: torch.equal on every tensor
"""

import os
import sys

os.environ.setdefault('NETGUARD_QUIET', '1')

import torch  # noqa: E402

from netguard.defend import netguard  # noqa: E402
from netguard.invert import gmi  # noqa: E402
from netguard.train import epoch_batches, get_preset, pretrained  # noqa: E402


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
