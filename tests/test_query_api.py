"""The query API: a label-only attack reaches the target only through a `QueryAPI` that answers labels, never with
gradients and never reading its weights; it counts the images queried, and the same seed gives the same attack.
Tiny untrained models: the file runs in seconds on two CPU cores."""

import pytest
import torch
import torch.nn as nn
from spy import SHAPE, Spy

from netguard.invert import QueryAPI, brep_mi, run_attack
from netguard.models import build
from netguard.registry import ATTACKS, register_attack

SMALL = dict(iterations=3, sphere_points=4, init_draws=256)  # a BREP-MI run of a few hundred queries


@pytest.fixture(scope='module')
def gan():
    torch.manual_seed(0)
    return build('generator', image_shape=SHAPE, width=4), build('discriminator', image_shape=SHAPE, width=4)


def test_api_answers_like_a_web_api():
    spy = Spy()
    x = torch.randn(4, *SHAPE, requires_grad=True)
    labels, scores = QueryAPI(spy)(x), QueryAPI(spy, 'scores', k=1, decimals=1)(x)
    assert labels.dtype == torch.long and labels.shape == (4,) and labels.grad_fn is None
    assert scores.shape == (4, 5) and (scores > 0).sum(1).le(1).all() and not scores.requires_grad
    assert torch.equal(scores.argmax(1), labels) and torch.equal(scores, scores.round(decimals=1))
    assert all(not grad and not req for _, grad, req in spy.calls)
    api = QueryAPI(spy)
    assert not isinstance(api, nn.Module) and not hasattr(api, 'parameters') and not hasattr(api, '__dict__')


def test_budget_is_refused_in_one_line():
    api = QueryAPI(Spy(), budget=5)
    api(torch.zeros(5, *SHAPE))
    with pytest.raises(RuntimeError, match=r'^the query budget of 5 images is spent \(5 queried, 1 more asked\)') as e:
        api(torch.zeros(1, *SHAPE))
    assert '\n' not in str(e.value) and api.queries == 5
    with pytest.raises(ValueError, match="^the query API's k must be an integer >= 1 or None; got 0$"):
        QueryAPI(Spy(), 'scores', k=0)


def test_label_only_attack_never_touches_gradients_or_weights(gan):
    spy = Spy()
    for p in spy.net.parameters():  # a gradient reaching a weight would call its hook
        p.register_hook(lambda g: pytest.fail('a gradient reached the target'))
    api = QueryAPI(spy)  # the server reads its model's weights once, to check them and find its device
    spy.locked = True  # from here on, reading a weight fails the test
    res = brep_mi(api, gan[0], [0, 1], 2, device='cpu', **SMALL)
    assert spy.calls and all(not grad and not req for _, grad, req in spy.calls)
    assert all(p.grad is None for p in spy.net.parameters())
    assert sum(k for k, _, _ in spy.calls) == res.info['queries'] + 1  # + the probe of the published label set
    assert res.info['queries'] == api.queries > 0


def test_registry_serves_label_only_attacks(gan):
    seen = []

    def peek(target, models, labels, n, *, seed=0, device=None, progress=None):
        seen.append((type(target).__name__, target.answer, hasattr(target, 'parameters')))
        target(torch.zeros(3, *SHAPE))
        return brep_mi(target, models['G'], labels, n, iterations=1, sphere_points=2, init_draws=8, seed=seed)

    spy = Spy()
    register_attack('peek', access='label', settings=None)(peek)
    try:
        res = run_attack('peek', spy, {'G': gan[0]}, [0], 1, device='cpu')
    finally:
        del ATTACKS['peek']
    assert seen == [('QueryAPI', 'label', False)]
    assert spy.calls and all(not grad and not req for _, grad, req in spy.calls)
    assert res.info['queries'] == 3 + 8 + 2 + 1  # its own 3, the starts, one sphere and the moved latent


def test_same_seed_same_attack(gan):
    a, b = (brep_mi(Spy(), gan[0], [0, 2], 2, seed=1, device='cpu', **SMALL) for _ in range(2))
    assert torch.equal(a.latents, b.latents) and torch.equal(a.images, b.images)
    assert a.info['queries'] == b.info['queries'] and a.trace == b.trace
    c = brep_mi(Spy(), gan[0], [0, 2], 2, seed=2, device='cpu', **SMALL)
    assert not torch.equal(a.latents, c.latents)
