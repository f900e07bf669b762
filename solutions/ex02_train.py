"Solutions to the exercises of 02_train (training)."

import torch

from netguard.data import mnist5k
from netguard.models import build
from netguard.train import augment, confident_fraction, fetch, predict, train_classifier, train_gan


def exercise_1(epochs: int = 6, width: int = 16, seed: int = 0) -> dict:
    """Train the target with and without augmentation; measure its accuracy on the private test digits as they are
    and moved (rotated by up to 20 degrees, shifted by up to 4 pixels: further than the training augmentation goes).
    On the digits as they are, augmentation hardly matters on 2,000 digits (the two accuracies are within a point or
    so, either way round). On the moved digits it does: the augmented target keeps more of its accuracy, because it
    has seen digits that sit off-centre and tilted.

    Returns, for 'augment' and 'plain', the accuracy on the test digits ('clean') and on the moved ones ('moved')."""
    split = mnist5k(seed=seed)
    ((x, y),) = fetch(split.private_test, [torch.arange(len(split.private_test))])
    moved = augment(x, torch.Generator().manual_seed(seed), max_rotate=20, max_shift=1 / 8)
    out = {}
    for aug in (True, False):
        torch.manual_seed(seed)
        m = build('cnn', split.num_private, split.image_shape, width=width)
        train_classifier(m, split.private_train, epochs=epochs, do_augment=aug, seed=seed, device='cpu')
        out['augment' if aug else 'plain'] = {
            name: (predict(m, images).argmax(1) == y).float().mean().item()
            for name, images in (('clean', x), ('moved', moved))
        }
    return out


def exercise_2(steps: int = 1000, width: int = 32, public_classifier=None, seed: int = 0) -> dict:
    """The GAN with and without DiffAugment, same steps. Without augmentation the discriminator wins more easily: the
    generator's loss -log D(G(z)) over the last steps is higher. It wins by memorising the 2,500 public digits, and
    then its gradients tell the generator "look like one of these images" rather than "look like a digit": samples
    get worse (more broken strokes, a lower confident fraction at every step count of `bench/results/gan_sweep.txt`,
    noaug against base). In the first tens of steps the plain GAN can be ahead: the memorising has not begun.

    Returns `g_loss` (the generator's loss averaged over the last fifth of the steps) and `confident` (the fraction of
    samples the public classifier labels with confidence >= 0.9), each for 'diff_augment' and 'plain'."""
    split = mnist5k(seed=seed)
    if public_classifier is None:
        from netguard.train import pretrained

        public_classifier = pretrained('mnist5k', 'public')
    out = dict(g_loss={}, confident={})
    for diff in (True, False):
        torch.manual_seed(seed)
        G = build('generator', image_shape=split.image_shape, width=width)
        D = build('discriminator', image_shape=split.image_shape, width=width, norm='batch')
        history = train_gan(
            G,
            D,
            split.public,
            steps=steps,
            loss='dcgan',
            lr=1e-3,
            diff_augment=diff,
            seed=seed,
            device='cpu',
            sample_every=0,
        )
        last = history[-max(1, steps // 5) :]
        name = 'diff_augment' if diff else 'plain'
        out['g_loss'][name] = sum(row['g_loss'] for row in last) / len(last)
        out['confident'][name] = confident_fraction(G, public_classifier, n=500, seed=seed)
    return out
