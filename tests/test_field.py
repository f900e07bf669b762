"The field's training-time defenses keep the training loop's promises: a killed run resumes exactly, with its state."

import pytest
import torch

from netguard.data import mnist5k
from netguard.field import VIB, MIDStrategy, TrapMIDStrategy
from netguard.models import build
from netguard.train import train_classifier


class Stop(Exception):
    pass


def _train(strategy_fn, model_fn, ckpt, stop_at=None):
    "Train a fresh model with the strategy; raise `Stop` after step `stop_at` (a kill between checkpoints)."
    split = mnist5k(seed=0)
    data = split.private_train.subset(range(0, 2000, 5))
    torch.manual_seed(0)
    model, strategy = model_fn(), strategy_fn()

    def kill(state):
        if stop_at is not None and state['step'] == stop_at:
            raise Stop

    train_classifier(model, data, epochs=1, batch_size=32, seed=1, device='cpu', checkpoint=ckpt, checkpoint_every=4,
                     progress=False, callbacks=(kill,), strategy=strategy)  # fmt: skip
    return model, strategy


CASES = {
    'trapmid': (lambda: TrapMIDStrategy(alpha=0.1, seed=1), lambda: build('cnn', 5, width=8)),
    'mid': (lambda: MIDStrategy(0.01), lambda: VIB(build('cnn', 5, width=8), 5)),
}


@pytest.mark.parametrize('name', list(CASES))
def test_killed_defense_run_resumes_exactly(name, tmp_path):
    strategy_fn, model_fn = CASES[name]
    ref, ref_s = _train(strategy_fn, model_fn, tmp_path / 'ref.ckpt')
    with pytest.raises(Stop):
        _train(strategy_fn, model_fn, tmp_path / 'run.ckpt', stop_at=11)  # killed 3 steps after the checkpoint at 8
    run, run_s = _train(strategy_fn, model_fn, tmp_path / 'run.ckpt')
    for k, v in ref.state_dict().items():
        assert torch.equal(v, run.state_dict()[k]), k
    if name == 'trapmid':
        assert torch.equal(ref_s.triggers, run_s.triggers)
        assert all(torch.equal(v, run_s.D.state_dict()[k]) for k, v in ref_s.D.state_dict().items())


def test_resume_refuses_other_defense_settings(tmp_path):
    "A checkpoint of one Trap-MID setting is not resumed by a run with another."
    with pytest.raises(Stop):
        _train(lambda: TrapMIDStrategy(alpha=0.1), lambda: build('cnn', 5, width=8), tmp_path / 'a.ckpt', stop_at=5)
    with pytest.raises(Exception, match='alpha'):
        _train(lambda: TrapMIDStrategy(alpha=0.2), lambda: build('cnn', 5, width=8), tmp_path / 'a.ckpt')
