"""Fault injection: NaN, +Inf or -Inf in one weight of the target, G or D. Every registered attack refuses it before
any work, through the registry (`prepare_attack`, `run_attack`) and through the attack itself, with one line naming
the model and the broken tensor. Tiny untrained models: the file runs in seconds on two CPU cores."""

import copy
import dataclasses
import re

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from netguard.data import TensorImages
from netguard.invert import prepare_attack, run_attack
from netguard.models import build
from netguard.registry import ATTACKS

SHAPE = (1, 32, 32)
ROLES = {'target': 'the target', 'G': 'G', 'D': 'D'}
VALUES = {'NaN': float('nan'), 'Inf': float('inf'), '-Inf': -float('inf')}
BUDGETS = dict(  # the smallest run of each attack: two steps, two images
    gmi=dict(steps=2), lomma=dict(steps=2), plgmi=dict(steps=2), mirror_w=dict(steps=2), fredrikson=dict(steps=2),
    kedmi=dict(steps=2, batch_per_label=2), alignment={}, mirror_b=dict(population=4, generations=1, elite=2),
    brep_mi=dict(iterations=1, sphere_points=2, init_draws=8), rlb_mi=dict(episodes=2, hidden=4, batch_size=1),
    plgmi_cgan=dict(steps=2),
)  # fmt: skip
READS = dict(  # the models each attack's own function reads (alignment reads only its inversion network)
    gmi='target G D', lomma='target G D', plgmi='target G D', kedmi='target G D', fredrikson='target', alignment='',
    mirror_b='target G', mirror_w='target G', brep_mi='target G', rlb_mi='target G', plgmi_cgan='target G',
)  # fmt: skip
PREPARE = dict(  # what each attack builds once, as small as it goes
    lomma=dict(surrogates=[dict(arch='cnn', width=4)], steps=2, batch_size=8),
    kedmi=dict(steps=2, width=4, batch_size=8),
    alignment=dict(steps=2, width=4, batch_size=8),
    plgmi_cgan=dict(top_n=2, steps=1, n_dis=1, batch_size=8),
)


def _tiny():
    torch.manual_seed(0)
    target = build('cnn', 5, SHAPE, width=4)
    G, D = build('generator', image_shape=SHAPE, width=4), build('discriminator', image_shape=SHAPE, width=4)
    g = torch.Generator().manual_seed(0)
    public = TensorImages(torch.randint(0, 256, (16, *SHAPE), dtype=torch.uint8, generator=g), torch.arange(16) % 5)
    return dict(target=target, G=G, D=D), public


MODELS, PUBLIC = _tiny()
PREPARED = {
    name: prepare_attack(
        name, MODELS['target'], (MODELS['G'], MODELS['D']), PUBLIC, device='cpu', **PREPARE.get(name, {})
    )
    for name in ATTACKS
}


def test_every_attack_is_covered():
    assert set(BUDGETS) == set(ATTACKS), 'give each registered attack a small budget in BUDGETS'


@pytest.mark.parametrize('name', list(ATTACKS))
def test_whole_models_still_run(name):
    res = run_attack(name, MODELS['target'], PREPARED[name], [0, 1], 2, device='cpu', **BUDGETS[name])
    assert res.images.shape[:2] == (2, 2) and res.images.isfinite().all()


def _poisoned(name: str, role: str, which: int, where: int, value: float):
    """Copies of the target, G and D and of attack `name`'s prepared models, with one weight of `role` set to `value`
    in each copy that has `role`; the names of the weights set, of the caller's model and of the prepared one."""
    models, prepared = copy.deepcopy(MODELS), copy.deepcopy(PREPARED[name])
    names = {}
    for key, m in [('given', models[role]), ('prepared', prepared.get(role))]:
        if m is not None:
            params = list(m.named_parameters())
            names[key], p = params[which % len(params)]
            p.data.view(-1)[where % p.numel()] = value
    names.setdefault('prepared', names['given'])  # the target is given, not prepared
    return models, prepared, names


def _line(role: str, kind: str, pname: str) -> str:
    return f"{ROLES[role]} has non-finite weights ({kind.lstrip('-')} in {pname!r}); load a checkpoint that is whole"


def _spied(name: str, calls: list):
    "The registration of attack `name` with `run` and `prepare` replaced by spies that record any call."
    spec = ATTACKS[name]
    return dataclasses.replace(
        spec, run=lambda *a, **k: calls.append('run'), prepare=lambda *a, **k: calls.append('prepare')
    )


poison = dict(
    name=st.sampled_from(list(ATTACKS)),
    role=st.sampled_from(list(ROLES)),
    kind=st.sampled_from(list(VALUES)),
    which=st.integers(0, 1000),
    where=st.integers(0, 10**6),
)


@settings(max_examples=60, deadline=None)
@given(**poison)
def test_registry_refuses_before_any_work(name, role, kind, which, where):
    models, prepared, pname = _poisoned(name, role, which, where, VALUES[kind])
    calls = []
    with pytest.MonkeyPatch.context() as mp:
        mp.setitem(ATTACKS, name, _spied(name, calls))
        with pytest.raises(ValueError, match='^' + re.escape(_line(role, kind, pname['given']))):
            prepare_attack(name, models['target'], (models['G'], models['D']), PUBLIC)
        if role == 'target' or role in prepared:
            with pytest.raises(ValueError, match='^' + re.escape(_line(role, kind, pname['prepared']))):
                run_attack(name, models['target'], prepared, [0], 2, **BUDGETS[name])
    assert calls == [], f'{name} did work ({calls}) before refusing a non-finite {role}'


@settings(max_examples=40, deadline=None)
@given(**poison)
def test_attacks_refuse_when_called_directly(name, role, kind, which, where):
    "No registry check: the attack's own function (what `run_attack` calls) refuses a broken model it reads."
    models, prepared, pname = _poisoned(name, role, which, where, VALUES[kind])
    if role not in READS[name].split():
        return
    with pytest.raises(ValueError, match='^' + re.escape(_line(role, kind, pname['prepared']))) as err:
        ATTACKS[name].run(models['target'], prepared, [0], 2, device='cpu', **BUDGETS[name])
    assert '\n' not in str(err.value)
