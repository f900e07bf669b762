"""The contributor's test: an attack and a defense are each one registration next to their code, and nothing else
changes. A toy label-only attack and a toy post-training defense, registered here, run through `run_benchmark` and
`netguard bench --set` with no edit anywhere else in the package."""

import json
from dataclasses import dataclass

import pytest
import torch
import torch.nn as nn

from netguard.cli import main, make_parser
from netguard.config import POSITIVE, check_fields, setting
from netguard.defend import DefenseResult, defense_settings
from netguard.harness import run_benchmark
from netguard.invert import AttackResult
from netguard.registry import ATTACKS, DEFENSES, register_attack, register_defense


def label_sampling(target, models, labels, n, *, tries: int = 8, seed=0, device=None, progress=None):
    """A label-only attack in miniature: draw `tries * n` samples of the GAN per label and keep the `n` that the target
    labels as the label (the first ones, when too few are), reading only the target's top-1 labels."""
    G = models['G']
    g = torch.Generator().manual_seed(seed)
    out = []
    with torch.no_grad():
        for label in labels:
            x = G(G.sample_z(tries * n, g))
            top1 = target(x)  # the served target answers the top-1 labels: all a label-only attacker reads
            keep = torch.cat([(top1 == label).nonzero().flatten(), (top1 != label).nonzero().flatten()])[:n]
            out.append(x[keep])
    return AttackResult('label_sampling', list(labels), torch.stack(out))


class Temperature(nn.Module):
    "A served model that answers with its logits divided by `t` (the same labels, flatter scores)."

    def __init__(self, model, t):
        super().__init__()
        self.model, self.t = model, t

    def forward(self, x):
        return self.model(x) / self.t


@dataclass
class TemperatureSettings:
    t: float = setting(2.0, POSITIVE)

    def __post_init__(self):
        check_fields(self, 'Temperature')


def temperature(target, models, split, protected, *, seed=0, device=None, progress=None, **settings):
    cfg = TemperatureSettings(**settings)
    return DefenseResult('temperature', Temperature(target, cfg.t).eval(), dict(t=cfg.t))


def _gan(name, target, gan, public, **_):
    return dict(G=gan[0])


@pytest.fixture
def toys():
    "Register the two toys (one line each, as a contributor would) and remove them afterwards."
    register_attack('label_sampling', access='label', needs=('gan',), prepare=_gan, budget=dict(tries=4))(
        label_sampling
    )
    register_defense('temperature', stage='post', settings=TemperatureSettings, label='Temperature')(temperature)
    yield
    del ATTACKS['label_sampling'], DEFENSES['temperature']


def test_toys_run_through_run_benchmark(toys):
    rows = run_benchmark(
        'mnist5k', ['label_sampling'], ['original', 'temperature:t=4'], n=4, device='cpu', progress=False,
        baseline_n=20, classes=[0, 1],
    )  # fmt: skip
    assert [(r['attack'], r['defense']) for r in rows] == [
        ('label_sampling', 'original'),
        ('label_sampling', 'temperature:t=4'),
    ]
    assert rows[1]['settings'] == {'t': 4}
    # the temperature keeps every label: the label-only attack sees the same answers, so the same images and numbers
    assert rows[0]['aa_top1'] == rows[1]['aa_top1'] and rows[0]['acc_all'] == rows[1]['acc_all']


def test_toys_run_through_the_command_line(toys, tmp_path, capsys):
    bench = next(a for a in make_parser()._subparsers._group_actions[0].choices['bench']._actions if a.dest == 'set')
    assert 'temperature' in bench.help and 'temperature' in defense_settings()
    assert main(['bench', '--attacks', 'label_sampling', '--defenses', 'temperature', '--set', 'temperature.t=0'])
    assert "Temperature setting t must be a finite number > 0; got 0" in capsys.readouterr().err
    out = tmp_path / 'bench'
    argv = ['bench', '--attacks', 'label_sampling', '--defenses', 'temperature', '--set', 'temperature.t=3', '--n', '2',
            '--device', 'cpu', '--out', str(out)]  # fmt: skip
    assert main(argv) == 0
    rows = json.loads((out / 'metrics.json').read_text())
    assert [(r['attack'], r['defense'], r['settings']) for r in rows] == [('label_sampling', 'temperature', {'t': 3})]
