"Solutions to the exercises of 01_data (the data)."

import torch

from netguard.data import labels_of, mnist5k


def exercise_1(seed: int = 0):
    """Even digits private, odd digits public. A GAN trained on the odd digits can only draw odd digits, so asked
    for a private 8 the attack lands on the odd digit nearest to an 8 in the target's eyes (often 3 or 9)."""
    split = mnist5k(seed=seed, private_digits=(0, 2, 4, 6, 8), public_digits=(1, 3, 5, 7, 9))
    return split


def exercise_2(test_fraction: float = 0.3, seed: int = 0) -> list[int]:
    """Private test images per class with `test_fraction=0.3`: 150 of each digit's 500. A stratified split keeps the
    same number per class, so MC(l_t), the accuracy on one class, is measured on as many images as any other class's
    and is not made noisy by a class that happened to get few test images."""
    split = mnist5k(seed=seed, test_fraction=test_fraction)
    y = labels_of(split.private_test)
    return torch.bincount(y, minlength=split.num_private).tolist()
