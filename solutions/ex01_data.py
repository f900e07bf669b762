"Solutions to the exercises of 01_data (the data)."

import torch

from netguard.data import labels_of, mnist5k
from netguard.models import build
from netguard.train import predict, train_classifier


def exercise_1(seed: int = 0, epochs: int = 2, width: int = 8) -> dict:
    """Even digits private, odd digits public. The attacker's GAN learns from the odd digits only, so asked for a
    private 8 it can only draw odd digits: the ones the target reads as an 8. A small target trained on the even
    digits reads a 1 as a 4, and a 5 and a 9 as an 8, so the GAN draws 5s and 9s (a 7 goes either way).

    Returns the split, `read_as` (public digit -> the private digit the target gives it the most confidence for, on
    average over that digit's public images) and `drawn_for_8` (the public digits read as an 8)."""
    split = mnist5k(seed=seed, private_digits=(0, 2, 4, 6, 8), public_digits=(1, 3, 5, 7, 9))
    torch.manual_seed(seed)
    target = build('cnn', split.num_private, split.image_shape, width=width)
    train_classifier(target, split.private_train, epochs=epochs, seed=seed, device='cpu')
    p, y = predict(target, split.public).softmax(1), labels_of(split.public)
    read_as = {
        name: split.private_names[p[y == c].mean(0).argmax().item()] for c, name in enumerate(split.public_names)
    }
    return dict(split=split, read_as=read_as, drawn_for_8=[d for d, r in read_as.items() if r == '8'])


def exercise_2(test_fraction: float = 0.3, seed: int = 0) -> list[int]:
    """Private test images per class with `test_fraction=0.3`: 150 of each digit's 500. A stratified split keeps the
    same number per class, so MC(l_t), the accuracy on one class, is measured on as many images as any other class's
    and is not made noisy by a class that happened to get few test images."""
    split = mnist5k(seed=seed, test_fraction=test_fraction)
    y = labels_of(split.private_test)
    return torch.bincount(y, minlength=split.num_private).tolist()
