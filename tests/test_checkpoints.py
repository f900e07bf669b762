"Checkpoint safety: atomic writes, refusal of files that carry code, clear errors on bad files."

import os
import pickle

import pytest
import torch

from netguard.files import CheckpointError, atomic_save, safe_load
from netguard.models import build, load_model, save_model


class Payload:
    "Unpickling this runs a shell command that creates a marker file."

    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (os.system, (f'touch {self.marker}',))


def test_malicious_pickle_is_refused(tmp_path):
    marker = tmp_path / 'pwned'
    evil = tmp_path / 'evil.pt'
    torch.save({'meta': {'format': 'netguard-model-v1'}, 'state_dict': Payload(marker)}, evil)
    with pytest.raises(CheckpointError, match='refused to load') as e:
        load_model(evil)
    assert not marker.exists()
    msg = str(e.value)  # one line of ours, naming what is inside, with nothing of PyTorch's own text appended
    assert '\n' not in msg and 'posix.system among them' in msg and 'weights_only' not in msg, msg
    # a plain pickle (not torch.save) is refused too
    raw = tmp_path / 'raw.pkl'
    raw.write_bytes(pickle.dumps(Payload(marker)))
    with pytest.raises(CheckpointError):
        safe_load(raw)
    assert not marker.exists()


def test_round_trip_every_architecture(tmp_path):
    for name, n in [
        ('cnn', 5),
        ('vgg16', 5),
        ('resnet18', 5),
        ('evalnet', 5),
        ('generator', None),
        ('discriminator', None),
    ]:
        model = build(name, n, (1, 32, 32)).eval()
        save_model(
            model, tmp_path / f'{name}.pt', class_names=[str(i) for i in range(n)] if n else None, extra={'seed': 1}
        )
        loaded = load_model(tmp_path / f'{name}.pt', device='cpu')
        assert type(loaded) is type(model)
        x = torch.randn(2, 100) if name == 'generator' else torch.randn(2, 1, 32, 32)
        torch.testing.assert_close(loaded(x), model(x))
        assert loaded.meta['extra'] == {'seed': 1} and loaded.meta['netguard_version']
        assert loaded.meta['image_shape'] == [1, 32, 32]


def test_constructor_options_survive(tmp_path):
    model = build('cnn', 3, (3, 64, 64), width=8)
    save_model(model, tmp_path / 'm.pt')
    loaded = load_model(tmp_path / 'm.pt', device='cpu')
    assert loaded.meta['arch']['kwargs'] == {'width': 8}
    assert loaded.body[0][0].out_channels == 8


def test_failed_write_keeps_the_old_file(tmp_path, monkeypatch):
    path = tmp_path / 'model.pt'
    save_model(build('cnn', 2), path, class_names=['a', 'b'])
    before = path.read_bytes()

    def crash(obj, f, *a, **k):
        f.write(b'half a checkpoint')
        raise KeyboardInterrupt('killed mid-write')

    monkeypatch.setattr(torch, 'save', crash)
    with pytest.raises(KeyboardInterrupt):
        save_model(build('cnn', 2), path)
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ['model.pt']  # the temporary file is gone


def test_bad_files_give_clear_errors(tmp_path):
    with pytest.raises(FileNotFoundError, match='no checkpoint at'):
        load_model(tmp_path / 'missing.pt')
    (tmp_path / 'trunc.pt').write_bytes(b'PK\x03\x04 not really')
    with pytest.raises(CheckpointError, match='truncated or corrupt'):
        load_model(tmp_path / 'trunc.pt')
    atomic_save({'weights': torch.zeros(3)}, tmp_path / 'other.pt')
    with pytest.raises(CheckpointError, match='not a netguard model checkpoint'):
        load_model(tmp_path / 'other.pt')


def test_save_needs_registry_model(tmp_path):
    with pytest.raises(ValueError, match='made by netguard.models.build'):
        save_model(torch.nn.Linear(2, 2), tmp_path / 'x.pt')
    with pytest.raises(ValueError, match='3 class names for a model with 2 classes'):
        save_model(build('cnn', 2), tmp_path / 'x.pt', class_names=['a', 'b', 'c'])


KILLED_MID_WRITE = '''
import os, signal, sys, torch
from netguard.files import atomic_save
def half(obj, f, *a, **k):
    f.write(b'half a checkpoint'); f.flush()
    os.kill(os.getpid(), signal.SIGKILL)
torch.save = half
atomic_save({'x': torch.zeros(1)}, sys.argv[1])
'''


def test_temp_file_of_a_killed_write_is_removed_by_the_next_write(tmp_path):
    import subprocess
    import sys

    path = tmp_path / 'model.pt'
    save_model(build('cnn', 2, width=4), path, class_names=['a', 'b'])
    before = path.read_bytes()
    run = subprocess.run([sys.executable, '-c', KILLED_MID_WRITE, str(path)], capture_output=True)
    assert run.returncode == -9
    left = [p.name for p in tmp_path.iterdir() if p.name != 'model.pt']
    assert len(left) == 1 and left[0].startswith('.model.pt.') and left[0].endswith('.tmp'), left
    assert path.read_bytes() == before
    (tmp_path / 'other.pt').write_bytes(b'keep')  # another file: never touched
    save_model(build('cnn', 2, width=4), path, class_names=['a', 'b'])
    assert sorted(p.name for p in tmp_path.iterdir()) == ['model.pt', 'other.pt']


def test_truncated_training_checkpoint_names_the_fix(tmp_path):
    "A training checkpoint cut short: one line with the file and how to fix it (delete it, or resume=False)."
    from netguard.train import load_checkpoint, save_checkpoint

    model = build('cnn', 2, width=4)
    path = tmp_path / 'run.ckpt'
    save_checkpoint(path, 3, {'model': model}, {}, [], {'seed': 0})
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    with pytest.raises(CheckpointError) as e:
        load_checkpoint(path, {'model': model}, {}, {'seed': 0})
    msg = str(e.value)
    assert msg.startswith(f'{path} is not a readable PyTorch checkpoint') and '\n' not in msg
    assert msg.endswith('delete it to start over, or pass resume=False')
