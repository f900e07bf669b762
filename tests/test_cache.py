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
    procs = [subprocess.Popen([sys.executable, '-c', SCRIPT, str(tmp_path / 'cache'), str(tmp_path / f'w{i}.pt')],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for i in range(2)]
    errs = []
    for p in procs:
        _, err = p.communicate(timeout=600)
        assert p.returncode == 0, err
        errs.append(err)
    assert sum(e.count('netguard: training the target') for e in errs) == 1, errs
    a, b = (torch.load(tmp_path / f'w{i}.pt', weights_only=True) for i in range(2))
    assert all(torch.equal(a[k], b[k]) for k in a)
    files = sorted(p.name for p in (tmp_path / 'cache' / 'mnist5k').iterdir() if not p.name.endswith('.lock'))
    assert len(files) == 1 and files[0].startswith('target-seed0-') and files[0].endswith('.pt')


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
