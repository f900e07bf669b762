"The cache of trained models: trained once, reused after, keyed by settings, safe with two processes at once."

import subprocess
import sys

import torch

from netguard.train import artifact_path, get_preset, pretrained

TINY = dict(target={'epochs': 1, 'kwargs': {'width': 8}})

SCRIPT = '''
import sys, torch
from netguard.train import get_preset, pretrained
p = get_preset('mnist5k', target={'epochs': 1, 'kwargs': {'width': 8}})
m = pretrained(p, 'target', seed=0, device='cpu', cache=sys.argv[1], progress=True)
torch.save(m.state_dict(), sys.argv[2])
'''


def test_two_processes_share_one_training(tmp_path):
    procs = [
        subprocess.Popen(
            [sys.executable, '-c', SCRIPT, str(tmp_path / 'cache'), str(tmp_path / f'w{i}.pt')],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for i in range(2)
    ]
    errs = []
    for p in procs:
        _, err = p.communicate(timeout=600)
        assert p.returncode == 0, err
        errs.append(err)
    assert sum(e.count('netguard: training the target') for e in errs) == 1, errs
    a, b = (torch.load(tmp_path / f'w{i}.pt', weights_only=True) for i in range(2))
    assert all(torch.equal(a[k], b[k]) for k in a)
    files = sorted(p.name for p in (tmp_path / 'cache' / 'mnist5k').iterdir() if not p.name.endswith('.lock'))
    assert (
        len(files) == 2
        and files[0].startswith('target-seed0-')
        and files[0].endswith('.pt')
        and files[1] == files[0] + '.json'
    )


def test_key_follows_settings(tmp_path):
    p = get_preset('mnist5k', **TINY)
    assert artifact_path(p, 'target', 0) != artifact_path(get_preset('mnist5k', target={'epochs': 2}), 'target', 0)
    assert artifact_path(p, 'target', 0) != artifact_path(p, 'target', 1)
    assert artifact_path(p, 'gan', 0) == artifact_path(get_preset('mnist5k', target={'epochs': 5}), 'gan', 0)
    m1 = pretrained(p, 'target', 0, 'cpu', cache=tmp_path, progress=False)
    mtime = artifact_path(p, 'target', 0, tmp_path).stat().st_mtime_ns
    m2 = pretrained(p, 'target', 0, 'cpu', cache=tmp_path, progress=False)
    assert artifact_path(p, 'target', 0, tmp_path).stat().st_mtime_ns == mtime  # loaded, not retrained
    assert m2.meta['extra']['role'] == 'target' and m2.meta['class_names'] == ['0', '1', '2', '3', '4']
    assert all(torch.equal(a, b) for a, b in zip(m1.state_dict().values(), m2.state_dict().values()))


def test_shipped_weights_are_checked_and_used(tmp_path, monkeypatch):
    import netguard.train as T

    p = get_preset('mnist5k', **TINY)
    pretrained(
        p, 'target', 0, 'cpu', cache=tmp_path / 'a', progress=False
    )  # trained once, then shipped from that cache
    shipped = tmp_path / 'ship'
    # ship only the target, as ship_weights writes it: the file plus its SHA-256
    src = artifact_path(p, 'target', 0, tmp_path / 'a')
    (shipped / 'mnist5k').mkdir(parents=True)
    (shipped / 'mnist5k' / src.name).write_bytes(src.read_bytes())
    (shipped / 'mnist5k' / 'SHA256SUMS').write_text(f'{T.sha256(src)}  {src.name}\n')

    def no_training(*a, **k):
        raise AssertionError('trained although shipped weights were there')

    monkeypatch.setattr(T, '_train_role', no_training)
    m = pretrained(p, 'target', 0, 'cpu', cache=tmp_path / 'b', progress=False, shipped=shipped)
    ref = torch.load(src, weights_only=True)
    assert all(torch.equal(a, ref['state_dict'][k]) for k, a in m.state_dict().items())

    # a tampered file is refused (with a warning) and the model is trained instead
    data = bytearray(src.read_bytes())
    data[-10] ^= 0xFF
    (shipped / 'mnist5k' / src.name).write_bytes(bytes(data))
    import pytest

    with (
        pytest.warns(UserWarning, match='do not match their SHA-256'),
        pytest.raises(AssertionError, match='trained although'),
    ):
        pretrained(p, 'target', 0, 'cpu', cache=tmp_path / 'c', progress=False, shipped=shipped)
    # retrain=True and shipped=False never use shipped weights
    with pytest.raises(AssertionError, match='trained although'):
        pretrained(p, 'target', 0, 'cpu', cache=tmp_path / 'd', progress=False, shipped=False)


def test_package_ships_mnist5k_weights_matching_the_preset():
    from netguard.files import read_sums, sha256
    from netguard.train import ROLES, shipped_dir

    folder = shipped_dir() / 'mnist5k'
    sums = read_sums(folder)
    p = get_preset('mnist5k')
    for (
        role
    ) in ROLES:  # the shipped files carry the current settings' keys: a preset change without re-shipping fails here
        name = artifact_path(p, role, 0).name
        assert name in sums and sha256(folder / name) == sums[name], (
            f'{name} missing or changed; run ship_weights("mnist5k")'
        )


def test_damaged_cache_file_names_the_fix_and_retrain_replaces_it(tmp_path, monkeypatch):
    "A bit flipped in a cached model: one line naming the file and retrain=True; retraining replaces it."
    import pytest

    import netguard.train as T
    from netguard.files import CheckpointError
    from netguard.models import build
    from netguard.train import manifest_path

    def fake_training(preset, role, seed, *args):  # an untrained model, the same each time: seconds, not a training
        torch.manual_seed(seed)
        return build('cnn', 5, (1, 32, 32), width=4), None, [{'epoch': 1, 'train_loss': 1.0}]

    monkeypatch.setattr(T, '_train_role', fake_training)
    p = get_preset('mnist5k', **TINY)
    pretrained(p, 'target', 0, 'cpu', cache=tmp_path, progress=False)
    path = artifact_path(p, 'target', 0, tmp_path)
    good = torch.load(path, weights_only=True)['state_dict']
    data = bytearray(path.read_bytes())
    data[len(data) // 3] ^= 0x01
    path.write_bytes(bytes(data))
    with pytest.raises(CheckpointError) as e:
        pretrained(p, 'target', 0, 'cpu', cache=tmp_path, progress=False)
    msg = str(e.value)
    assert msg.startswith(f'{path}: the cached target') and 'does not match the SHA-256' in msg and '\n' not in msg
    assert 'retrain=True' in msg
    m = pretrained(p, 'target', 0, 'cpu', cache=tmp_path, progress=False, retrain=True)
    assert all(torch.equal(v, good[k]) for k, v in m.state_dict().items())  # the same model again, with a fresh record
    assert manifest_path(path).exists() and m.meta['extra']['key'] == path.stem.rsplit('-', 1)[1]


def test_cli_refuses_a_swapped_cache_file_in_one_line(tmp_path, capsys, monkeypatch):
    "The evaluator's file copied over the target's: `netguard train` says which file and the command that fixes it."
    from netguard import cli

    monkeypatch.setenv('NETGUARD_QUIET', '1')
    p = get_preset('mnist5k')
    pretrained(p, 'target', 0, 'cpu', cache=tmp_path)  # both copied from the shipped weights: no training
    pretrained(p, 'evaluator', 0, 'cpu', cache=tmp_path)
    target = artifact_path(p, 'target', 0, tmp_path)
    target.write_bytes(artifact_path(p, 'evaluator', 0, tmp_path).read_bytes())
    assert cli.main(['train', '--roles', 'target', '--cache', str(tmp_path), '--device', 'cpu']) == 1
    (line,) = [s for s in capsys.readouterr().err.splitlines() if s.strip()]
    assert (
        line.startswith(f'netguard: error: {target}: the cached target') and 'it holds the evaluator (evalnet)' in line
    )
    cmd = line.split('`')[1]
    assert cmd == f'netguard train --preset mnist5k --roles target --cache {tmp_path} --retrain'
    args = cli.make_parser().parse_args(cmd.split()[1:])  # the command it offers exists
    assert args.retrain and args.roles == 'target' and args.cache == str(tmp_path)
