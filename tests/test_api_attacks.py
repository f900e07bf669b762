"""The attacks a served model meets, and PLG-MI as published. Mirror-B and RLB-MI reach the target only through a
`QueryAPI` that answers scores: never a gradient, never a weight, every image counted; RLB-MI's reward is computed from
the returned scores alone and its agent learns; PLG-MI's pseudo-labels are the target's, the top-n of each class.
Tiny models: the file runs in about half a minute on two CPU cores."""

import dataclasses
import statistics

import pytest
import torch
import torch.nn as nn
from spy import SHAPE, Spy

import netguard.invert as invert
from netguard.data import TensorImages
from netguard.invert import (
    ConditionalGenerator,
    QueryAPI,
    mirror_b,
    prepare_attack,
    rlb_mi,
    rlb_reward,
    run_attack,
    top_n_selection,
)
from netguard.models import build
from netguard.registry import ATTACKS


class Recorded(QueryAPI):
    "A query API that keeps every image it is asked about and every answer it returns."

    def query(self, x):
        self.images = getattr(self, 'images', []) + [x.detach().clone()]
        self.answers = getattr(self, 'answers', []) + [QueryAPI.query(self, x)]
        return self.answers[-1]


class Toy(nn.Module):
    "The identity as a 'generator' of 2-d latents."

    z_dim, image_shape = 2, (2,)

    def forward(self, z):
        return z


def slope():
    "A target whose confidence in class 0 is sigmoid(6 z[0])."
    m = nn.Linear(2, 2, bias=False)
    m.weight.data = torch.tensor([[3.0, 0.0], [-3.0, 0.0]])
    return m


@pytest.fixture(scope='module')
def G():
    torch.manual_seed(0)
    return build('generator', image_shape=SHAPE, width=4)


def served_spy(answer='scores', **options):
    "A spy behind a query API, its weights locked and a hook on each that fails if a gradient reaches it."
    spy = Spy()
    for p in spy.net.parameters():
        p.register_hook(lambda g: pytest.fail('a gradient reached the target'))
    api = Recorded(spy, answer, **options)  # the server reads its model's weights once, to check them
    spy.locked = True
    return spy, api


@pytest.mark.parametrize('attack', ['mirror_b', 'rlb_mi'])
def test_score_attacks_never_touch_gradients_or_weights(attack, G):
    spy, api = served_spy(decimals=3)
    if attack == 'mirror_b':
        res = mirror_b(api, G, [0, 1], 2, population=8, generations=3, elite=2, device='cpu')
    else:
        res = rlb_mi(api, G, [0, 1], 2, episodes=6, hidden=8, batch_size=2, test_every=3, device='cpu')
    assert spy.calls and all(not grad and not req for _, grad, req in spy.calls)
    assert all(p.grad is None for p in spy.net.parameters())
    assert sum(k for k, _, _ in spy.calls) == res.info['queries'] + 1  # + the probe of the published label set
    assert res.info['queries'] == api.queries == sum(len(a) for a in api.answers)


def test_registry_serves_score_attacks_a_scores_api(G):
    seen = []
    real = ATTACKS['rlb_mi']

    def peek(target, models, labels, n, **kw):
        seen.append((type(target).__name__, target.answer, hasattr(target, 'parameters')))
        return real.run(target, models, labels, n, **kw)

    with pytest.MonkeyPatch.context() as mp:
        mp.setitem(ATTACKS, 'rlb_mi', dataclasses.replace(real, run=peek))
        res = run_attack('rlb_mi', Spy(), {'G': G}, [0], 1, episodes=3, hidden=4, batch_size=2, test_every=3)
    assert seen == [('QueryAPI', 'scores', False)] and res.info['queries'] == 3 + 1


def test_mirror_b_finds_what_it_found_reading_the_model(G):
    "Through a full-precision scores API, Mirror-B evolves the same latents as when its fitness read the model."
    target = Spy()
    kw = dict(n=3, population=12, generations=4, elite=3, seed=3, device='cpu')
    served = mirror_b(target, G, [0, 2], **kw)

    def direct(api, G, lab, z):  # the fitness before the query API: log-softmax of the model itself, in eval mode
        L, Q = z.shape[:2]
        target.eval()
        logp = torch.cat([target(G(c)).log_softmax(1) for c in z.flatten(0, 1).split(512)])
        return logp.view(L, Q, -1).gather(2, lab[:, None, None].expand(L, Q, 1)).squeeze(2)

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(invert, '_label_log_p', direct)
        before = mirror_b(target, G, [0, 2], **kw)
    assert torch.equal(served.latents, before.latents)


def test_rlb_reward_is_computed_from_the_returned_scores_only(G):
    spy, api = served_spy(k=2, decimals=1)  # top-2 scores rounded to one decimal: far from the model's own numbers
    res = rlb_mi(api, G, [1, 3], 2, episodes=5, hidden=8, batch_size=2, test_every=5, device='cpu')
    y = torch.tensor([1, 3])
    assert len(api.answers) == 5 + 1  # an answer per episode, then the test of the last one
    want = [rlb_reward(p, p, y).mean().item() for p in api.answers[:5]]
    assert [t['reward'] for t in res.trace] == pytest.approx(want)
    with torch.no_grad():
        exact = spy.net.eval()(api.images[0]).softmax(1)
    assert rlb_reward(exact, exact, y).mean().item() != pytest.approx(want[0])  # the model's own scores: other rewards


def test_rlb_agent_improves_the_confidence_over_episodes():
    api = QueryAPI(slope(), 'scores', decimals=2)
    res = rlb_mi(api, Toy(), [0], n=4, episodes=250, hidden=32, batch_size=32, test_every=10, seed=1, device='cpu')
    conf = [t['confidence'] for t in res.trace]
    early, late = statistics.mean(conf[:40]), statistics.mean(conf[-40:])
    assert late > early + 0.3 and late > 0.85, (early, late)


def test_rlb_same_seed_same_attack_and_budget(G):
    kw = dict(n=2, episodes=8, hidden=8, batch_size=2, test_every=4, device='cpu')
    a, b, c = (rlb_mi(Spy(), G, [0, 4], seed=s, **kw) for s in (1, 1, 2))
    assert torch.equal(a.latents, b.latents) and a.trace == b.trace and not torch.equal(a.latents, c.latents)
    api = QueryAPI(Spy(), 'scores', budget=2 * 9)
    capped = rlb_mi(api, G, [0, 4], max_queries=9, **kw)
    assert capped.info['queries'] <= 2 * 9 and capped.info['episodes_run'] < 8
    with pytest.raises(ValueError, match="reads 'scores' answers; the query API given answers 'label'"):
        rlb_mi(QueryAPI(Spy()), G, [0], **kw)


def _digits(n_per_class=8, classes=5):
    "Images each of which lights one pixel: image i lights pixel i % classes, brighter for larger i."
    x = torch.zeros(n_per_class * classes, *SHAPE, dtype=torch.uint8)
    for i in range(len(x)):
        x[i, 0, 0, i % classes] = 40 + 5 * i
    return TensorImages(x, torch.full((len(x),), 7))  # the public data's own labels say nothing


class PixelReader(nn.Module):
    "A target that reads class c from pixel c (after an optional permutation of its classes)."

    def __init__(self, perm=None):
        super().__init__()
        self.lin, self.perm = nn.Linear(32 * 32, 5), perm
        w = torch.zeros(5, 32 * 32)
        w[torch.arange(5), torch.arange(5)] = 2.0  # confident, never saturated: no ties
        self.lin.weight.data, self.lin.bias.data = w, torch.zeros(5)

    def forward(self, x):
        out = self.lin(x.flatten(1))
        return out if self.perm is None else out[:, self.perm]


def test_pseudo_labels_are_the_targets_top_n():
    public = _digits()
    pseudo, rows = top_n_selection(PixelReader(), public, top_n=3)
    probs = PixelReader()(torch.stack([public[i][0] for i in range(len(public))])).softmax(1)
    assert pseudo.labels.tolist() == [c for c in range(5) for _ in range(3)]
    assert torch.equal(probs[rows['index']].argmax(1), rows['label'])  # each pseudo-label is the target's top-1
    for c in range(5):
        mine = rows['index'][rows['label'] == c]
        assert mine.tolist() == probs[:, c].topk(3).indices.tolist()  # the 3 it is surest of, surest first
        assert (mine % 5 == c).all() and mine.min() >= 5 * (8 - 3)  # the brightest images of that pixel
    perm = torch.tensor([2, 0, 1, 4, 3])  # the same images, the classes renamed by the target
    _, moved = top_n_selection(PixelReader(perm), public, top_n=3)
    for c in range(5):
        assert moved['index'][moved['label'] == c].tolist() == rows['index'][rows['label'] == perm[c]].tolist()


def test_plgmi_cgan_prepares_a_conditional_gan_and_searches_it():
    torch.manual_seed(0)
    target = build('cnn', 5, SHAPE, width=4)
    G, D = build('generator', image_shape=SHAPE, width=4), build('discriminator', image_shape=SHAPE, width=4)
    g = torch.Generator().manual_seed(0)
    public = TensorImages(torch.randint(0, 256, (40, *SHAPE), dtype=torch.uint8, generator=g), torch.zeros(40))
    models = prepare_attack('plgmi_cgan', target, (G, D), public, top_n=4, steps=3, n_dis=2, batch_size=8)
    assert isinstance(models['G'], ConditionalGenerator) and len(models['history']) == 3
    assert models['pseudo']['label'].tolist() == [c for c in range(5) for _ in range(4)]
    before = dict(ConditionalGenerator(G, 5).named_parameters())
    assert any(not torch.equal(p, before[k]) for k, p in models['G'].named_parameters())  # trained
    res = run_attack('plgmi_cgan', target, models, [0, 4], 2, steps=4, device='cpu')
    assert res.images.shape == (2, 2, *SHAPE) and res.trace[-1]['step'] == 4
    scratch = prepare_attack('plgmi_cgan', target, (G, D), public, top_n=4, steps=1, n_dis=1, batch_size=8,
                             init='scratch')  # fmt: skip
    assert not torch.equal(scratch['G'].net.up[0].weight, G.up[0].weight)
    with pytest.raises(ValueError, match="init must be 'prior'"):
        prepare_attack('plgmi_cgan', target, (G, D), public, init='random')
