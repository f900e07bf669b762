"A target for the tests of query-only attacks: it records every forward and fails the test if its weights are read."

import pytest
import torch
from torch import nn

from netguard.models import build

SHAPE = (1, 32, 32)


class Spy(nn.Module):
    "A target that records every forward (images, gradients on?, inputs with grad?) and fails on reading its weights."

    def __init__(self):
        super().__init__()
        torch.manual_seed(0)
        self.net, self.calls, self.locked = build('cnn', 5, SHAPE, width=4), [], False

    def forward(self, x):
        self.calls.append((len(x), torch.is_grad_enabled(), x.requires_grad))
        return self.net(x)

    def read(self):
        if self.locked:
            pytest.fail('the attack read the weights of the target')

    def parameters(self, recurse=True):
        self.read()
        return super().parameters(recurse)

    def named_parameters(self, *args, **kwargs):
        self.read()
        return super().named_parameters(*args, **kwargs)

    def state_dict(self, *args, **kwargs):
        self.read()
        return super().state_dict(*args, **kwargs)
