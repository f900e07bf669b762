"Solutions to the exercises of 00_models (the networks)."

import torch

from netguard.models import build, num_params


def exercise_1(num_classes: int = 1000) -> dict:
    """VGG-16 for 64 px colour faces and 1,000 identities: where do the parameters sit?

    Our VGG-16 keeps torchvision's convolutional trunk (about 14.7 M parameters) and replaces the ImageNet head (three
    fully connected layers, 4096 wide: about 120 M parameters) with GMI's BatchNorm + one linear layer on the 2x2x512
    feature map (2,048 inputs: about 2 M for 1,000 identities). So here the trunk holds most parameters, while in
    `torchvision.models.vgg16_bn` the head does."""
    import torchvision

    with torch.device('meta'):  # count parameters without allocating 140 M of them
        m = build('vgg16', num_classes, (3, 64, 64))
        tv = torchvision.models.vgg16_bn(num_classes=num_classes)
    head = sum(p.numel() for n, p in m.named_parameters() if not n.startswith('trunk'))
    tv_head = sum(p.numel() for p in tv.classifier.parameters())
    return dict(
        trunk=num_params(m) - head, head=head, torchvision_trunk=num_params(tv) - tv_head, torchvision_head=tv_head
    )


def exercise_2(batch: int = 8, seed: int = 0) -> dict:
    """An instance-norm critic scores an image the same whatever else is in its batch; a batch-norm one does not.

    Instance norm normalises each image by its own statistics; batch norm (in training mode) by the batch's, so one
    image's score depends on the others. WGAN-GP's gradient penalty is the norm of the gradient of *one* sample's score
    with respect to *that* sample: with batch norm each score depends on every sample, and the penalty constrains the
    wrong function. Returns the largest change in one image's score when the rest of its batch is replaced."""
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(batch, 1, 32, 32, generator=g)
    other = torch.randn(batch, 1, 32, 32, generator=g)
    out = {}
    for norm in ('instance', 'batch'):
        torch.manual_seed(seed)
        D = build('discriminator', image_shape=(1, 32, 32), width=8, norm=norm).train()
        with torch.no_grad():
            a = D(x)[0]
            b = D(torch.cat([x[:1], other[1:]]))[0]
        out[norm] = (a - b).abs().max().item()
    return out
