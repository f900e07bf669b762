"""Faults against the cache of trained models: nothing lost, nothing wrong trusted.

A cache seeded from the shipped weights (no training: a fast fake stands in for `_train_role`) is hit with a changed
file without its record, a retraining interrupted at every point where it calls the file system (and one killed with
SIGKILL, one stopped with Ctrl-C from the command line), and a training checkpoint cut short."""

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import torch

import netguard.train as T
from netguard import cli
from netguard.files import CheckpointError
from netguard.models import build
from netguard.train import artifact_path, get_preset, manifest_path, pretrained

P = get_preset('mnist5k')
REAL_REPLACE = os.replace


def fake_training(preset, role, seed, *args):
    "An untrained model of the role's architecture, the same each time: a retraining in milliseconds."
    torch.manual_seed(1000 + seed)
    if role == 'gan':
        return build('generator', image_shape=(1, 32, 32), width=4), build('discriminator', width=4), [{'step': 1}]
    return build('cnn', 5, (1, 32, 32), width=4), None, [{'epoch': 1, 'train_loss': 1.0}]


def no_training(*args):
    raise AssertionError('trained although the cache had a good model')


def files_of(role, cache, seed=0):
    p = artifact_path(P, role, seed, cache)
    return [p, p.with_name(p.stem + '-D.pt')] if role == 'gan' else [p]


def snapshot(role, cache, seed=0):
    "The bytes of each model file of `role` and of its record."
    return {f.name: (f.read_bytes(), manifest_path(f).read_bytes()) for f in files_of(role, cache, seed)}


def states(model):
    models = model if isinstance(model, tuple) else (model,)
    return [{k: v.clone() for k, v in m.state_dict().items()} for m in models]


def same(a, b):
    return len(a) == len(b) and all(
        x.keys() == y.keys() and all(torch.equal(x[k], y[k]) for k in x) for x, y in zip(a, b)
    )


def leftovers(cache):
    "Files in the cache other than models, records, locks: side files, markers, temporary files."
    return sorted(f.name for f in (cache / 'mnist5k').iterdir() if not f.name.endswith(('.pt', '.json', '.lock')))


@pytest.fixture(scope='module')
def seeded(tmp_path_factory):
    "A cache holding the shipped target and GAN, copied in by `pretrained` (each with its record)."
    cache = tmp_path_factory.mktemp('seeded')
    for role in ('target', 'gan'):
        pretrained(P, role, 0, 'cpu', cache=cache, progress=False)
    return cache


_SPLITS = {}


@pytest.fixture(autouse=True)
def one_split_per_seed(monkeypatch):
    "Each seed's data split drawn once for the whole file: drawing it takes half a second, and the fakes ignore it."
    real = T.Preset.split
    monkeypatch.setattr(
        T.Preset,
        'split',
        lambda self, seed=0, cache=None: (
            _SPLITS.get((repr(self), seed)) or _SPLITS.setdefault((repr(self), seed), real(self, seed, cache))
        ),
    )


def fresh(seeded, tmp_path, name='cache'):
    shutil.copytree(seeded, tmp_path / name)
    return tmp_path / name


def change_one_weight(path):
    ck = torch.load(path, weights_only=True)
    k = next(iter(ck['state_dict']))
    ck['state_dict'][k] = ck['state_dict'][k] * 3
    torch.save(ck, path)


# (a) a changed model without its record is never trusted


def test_changed_file_without_record_is_replaced_by_the_shipped_one(seeded, tmp_path, monkeypatch, capsys):
    cache = fresh(seeded, tmp_path)
    (path,) = files_of('target', cache)
    good = snapshot('target', cache)
    manifest_path(path).unlink()
    change_one_weight(path)
    monkeypatch.setattr(T, '_train_role', no_training)
    monkeypatch.setenv('NETGUARD_QUIET', '1')
    with pytest.warns(UserWarning, match='has no record and is not the shipped file of its name') as w:
        assert cli.main(['train', '--roles', 'target', '--cache', str(cache), '--device', 'cpu']) == 0
    (msg,) = [str(x.message) for x in w if 'not trusted' in str(x.message)]
    assert msg.startswith(f'{path}: the cached target') and '\n' not in msg
    assert 'validation accuracy 0.9940' in capsys.readouterr().out  # the shipped model, not the changed one
    assert snapshot('target', cache) == good


def test_changed_file_without_record_and_nothing_shipped_is_refused(seeded, tmp_path, monkeypatch, capsys):
    cache = fresh(seeded, tmp_path)
    monkeypatch.setattr(T, '_train_role', fake_training)
    monkeypatch.setenv('NETGUARD_QUIET', '1')
    pretrained(P, 'target', 1, 'cpu', cache=cache)  # seed 1: the package ships nothing for it
    (path,) = files_of('target', cache, seed=1)
    manifest_path(path).unlink()
    change_one_weight(path)
    changed = path.read_bytes()
    assert cli.main(['train', '--roles', 'target', '--seed', '1', '--cache', str(cache), '--device', 'cpu']) == 1
    (line,) = [s for s in capsys.readouterr().err.splitlines() if s.strip()]
    assert line.startswith(f'netguard: error: {path}: the cached target') and 'has no record' in line
    assert f'--seed 1 --cache {cache} --retrain' in line
    assert path.read_bytes() == changed and not manifest_path(path).exists()  # kept, and no record written for it
    with pytest.raises(CheckpointError, match='has no record'):  # nor through Python
        pretrained(P, 'target', 1, 'cpu', cache=cache)
    assert not manifest_path(path).exists()


# (b) an interrupted retraining leaves the old models and their records


class Faults:
    """Counts the calls a retraining makes to the trainer and the file system; before call number `at`, `fault()` runs.
    `commit_at`: the number of the call that moves the marker in (the point of no return)."""

    def __init__(self, monkeypatch, at=None, fault=None):
        self.calls, self.at, self.fault, self.commit_at = 0, at, fault, None
        for owner, name in [
            (T, '_train_role'),
            (T, 'save_model'),
            (T, 'write_manifest'),
            (T, 'atomic_write'),
            (T, 'sha256'),
            (torch, 'save'),
            (os, 'replace'),
            (Path, 'unlink'),
        ]:
            monkeypatch.setattr(
                owner, name, self.wrap(fake_training if name == '_train_role' else getattr(owner, name))
            )

    def wrap(self, fn):
        def counted(*args, **kwargs):
            self.calls += 1
            if self.calls == self.at:
                self.fault()
            if fn is REAL_REPLACE and str(args[1]).endswith('.commit'):
                self.commit_at = self.calls
            return fn(*args, **kwargs)

        return counted


def interrupt():
    raise KeyboardInterrupt('Ctrl-C at a kill point')


@pytest.mark.parametrize('role', ['target', 'gan'])
def test_retrain_interrupted_at_every_point_loses_nothing(seeded, tmp_path, monkeypatch, role):
    """Ctrl-C before each call of the retraining, one kill point after another: before the marker moves in, the old
    files stay bit for bit; after, the next call finishes the new ones. Never a mix, never nothing, no leftovers."""
    new_cache = fresh(seeded, tmp_path, 'new')
    with monkeypatch.context() as mp:
        count = Faults(mp)
        new = states(pretrained(P, role, 0, 'cpu', cache=new_cache, progress=False, retrain=True))
    n, commit_at = count.calls, count.commit_at
    assert n >= 10 and 1 < commit_at < n and leftovers(new_cache) == []
    old_files, new_files = snapshot(role, seeded), snapshot(role, new_cache)
    old = states(pretrained(P, role, 0, 'cpu', cache=seeded, progress=False))
    assert not same(old, new)
    for k in range(1, n + 1):
        cache = fresh(seeded, tmp_path, f'k{k}')
        with monkeypatch.context() as mp:
            Faults(mp, at=k, fault=interrupt)
            with pytest.raises(KeyboardInterrupt):
                pretrained(P, role, 0, 'cpu', cache=cache, progress=False, retrain=True)
        if k <= commit_at:
            assert snapshot(role, cache) == old_files, k  # right after the interruption
        with monkeypatch.context() as mp:
            mp.setattr(T, '_train_role', no_training)
            got = states(pretrained(P, role, 0, 'cpu', cache=cache, progress=False))
        assert same(got, old if k <= commit_at else new), k
        assert snapshot(role, cache) == (old_files if k <= commit_at else new_files), k
        assert leftovers(cache) == [], (k, leftovers(cache))
        shutil.rmtree(cache)
    print(f'{role}: {n} kill points, {commit_at} before the marker (old kept), {n - commit_at} after (new finished)')


KILLED = '''
import os, signal, sys, time
import netguard.train as T
from netguard.models import build
import torch

def fake(preset, role, seed, *args):
    torch.manual_seed(1000)
    if sys.argv[3] == 'slow':
        open(sys.argv[4], 'w').close()
        time.sleep(60)
    return build('cnn', 5, (1, 32, 32), width=4), None, []

T._train_role = fake
at, calls = int(sys.argv[2]), [0]
real = os.replace
def replace(a, b):
    calls[0] += 1
    if calls[0] == at:
        os.kill(os.getpid(), signal.SIGKILL)
    return real(a, b)
os.replace = replace
if sys.argv[3] == 'slow':  # the command line, interrupted while it trains
    from netguard import cli
    sys.exit(cli.main(['train', '--roles', 'target', '--cache', sys.argv[1], '--device', 'cpu', '--from-scratch']))
T.pretrained('mnist5k', 'target', 0, 'cpu', cache=sys.argv[1], progress=False, retrain=True)
'''


def test_kill_9_during_the_moves_and_ctrl_c_during_from_scratch(seeded, tmp_path, monkeypatch):
    """Two processes at once (an import of torch takes seconds): one killed with SIGKILL at a random rename of the
    retraining (seeded); one `netguard train --from-scratch` stopped with Ctrl-C while it trains (the issue's case).
    The next call finds the old model, or the new one finished; Ctrl-C keeps the old model and its record."""
    import random

    monkeypatch.setenv('NETGUARD_QUIET', '1')
    killed, stopped = fresh(seeded, tmp_path, 'killed'), fresh(seeded, tmp_path, 'stopped')
    old_files = snapshot('target', seeded)
    at = random.Random(28).randint(1, 5)  # renames: side model, side record, marker, model, record
    started = tmp_path / 'training'
    run = [sys.executable, '-c', KILLED]
    kill9 = subprocess.Popen([*run, str(killed), str(at), 'fast'], stderr=subprocess.PIPE)
    ctrl_c = subprocess.Popen([*run, str(stopped), '0', 'slow', str(started)], stderr=subprocess.PIPE)
    deadline = time.time() + 120
    while not started.exists() and ctrl_c.poll() is None and time.time() < deadline:
        time.sleep(0.05)
    assert started.exists(), ctrl_c.communicate()[1].decode()[-2000:]
    ctrl_c.send_signal(signal.SIGINT)
    err = ctrl_c.communicate(timeout=60)[1].decode()
    assert ctrl_c.returncode != 0 and 'interrupted' in err, err[-2000:]
    assert snapshot('target', stopped) == old_files and leftovers(stopped) == []

    assert kill9.wait(timeout=120) == -signal.SIGKILL, kill9.stderr.read().decode()[-2000:]
    committed = T._marker(files_of('target', killed)).exists()
    if not committed:
        assert snapshot('target', killed) == old_files
    monkeypatch.setattr(T, '_train_role', no_training)
    pretrained(P, 'target', 0, 'cpu', cache=killed, progress=False)  # loads: the old model, or the new one finished
    assert (snapshot('target', killed) == old_files) != committed and leftovers(killed) == []


# (c) a training checkpoint cut short


def test_truncated_checkpoint_names_the_fix_and_retrain_clears_it(seeded, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv('NETGUARD_QUIET', '1')
    cache = fresh(seeded, tmp_path)
    (path,) = files_of('target', cache, seed=1)  # nothing shipped for seed 1: it must be trained
    ckpt = path.with_suffix('.ckpt')
    ckpt.write_bytes(b'PK\x03\x04 a checkpoint cut short')
    with pytest.raises(CheckpointError) as e:
        pretrained(P, 'target', 1, 'cpu', cache=cache, progress=False)  # the real trainer: it reads the checkpoint
    msg = str(e.value)
    assert msg.startswith(f'{ckpt} is not a readable PyTorch checkpoint') and '\n' not in msg
    assert (
        f'delete it, or train it again: `netguard train --preset mnist5k --roles target --seed 1 --cache {cache}' in msg
    )
    assert "retrain=True" in msg
    assert cli.main(['train', '--roles', 'target', '--seed', '1', '--cache', str(cache), '--device', 'cpu']) == 1
    (line,) = [s for s in capsys.readouterr().err.splitlines() if s.strip()]
    assert line.startswith(f'netguard: error: {ckpt}') and line.endswith('retrain=True))'), line

    def checks_no_checkpoint(preset, role, seed, device, split, ckpt_path, progress):
        assert ckpt_path == ckpt and not ckpt.exists(), 'retraining started with the old checkpoint still there'
        return fake_training(preset, role, seed)

    monkeypatch.setattr(T, '_train_role', checks_no_checkpoint)
    cmd = ['train', '--roles', 'target', '--seed', '1', '--cache', str(cache), '--device', 'cpu', '--retrain']
    assert cli.main(cmd) == 0
    assert not ckpt.exists() and manifest_path(path).exists() and leftovers(cache) == []
