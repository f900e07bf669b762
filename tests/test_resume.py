"Long loops resume: a run killed mid-way and resumed ends with the same weights as an uninterrupted run."

import signal
import subprocess
import sys
import time

import pytest
import torch

from netguard.data import mnist5k
from netguard.files import safe_load
from netguard.models import build, load_model
from netguard.train import train_classifier, train_gan

SCRIPT = '''
import sys, time, torch
from netguard.data import mnist5k
from netguard.models import build, save_model
from netguard.train import train_classifier
ckpt, out, pause = sys.argv[1], sys.argv[2], float(sys.argv[3])
split = mnist5k(seed=0)
torch.manual_seed(0)
model = build('cnn', 5, width=8)
train_classifier(model, split.private_train.subset(range(0, 2000, 4)), epochs=3, batch_size=32, seed=1, device='cpu',
                 checkpoint=ckpt, checkpoint_every=10, progress=False, callbacks=(lambda s: time.sleep(pause),))
save_model(model, out)
'''


def _run(ckpt, out, pause):
    return subprocess.Popen(
        [sys.executable, '-c', SCRIPT, str(ckpt), str(out), str(pause)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _same(a, b):
    sa, sb = a.state_dict(), b.state_dict()
    return all(torch.equal(sa[k], sb[k]) for k in sa)


def test_killed_classifier_run_resumes_exactly(tmp_path):
    ref = _run(tmp_path / 'ref.ckpt', tmp_path / 'ref.pt', 0)
    assert ref.wait(timeout=300) == 0, ref.stderr.read()

    victim = _run(tmp_path / 'run.ckpt', tmp_path / 'run.pt', 0.1)  # 48 steps, slowed so we can kill it mid-way
    deadline = time.time() + 120
    while not (tmp_path / 'run.ckpt').exists() and time.time() < deadline:
        time.sleep(0.05)
    time.sleep(0.5)
    victim.send_signal(signal.SIGKILL)
    victim.wait(timeout=30)
    assert not (tmp_path / 'run.pt').exists(), 'the run finished before it could be killed'
    step = safe_load(tmp_path / 'run.ckpt')['step']
    assert 10 <= step < 48

    resumed = _run(tmp_path / 'run.ckpt', tmp_path / 'run.pt', 0)
    assert resumed.wait(timeout=300) == 0, resumed.stderr.read()
    assert _same(load_model(tmp_path / 'ref.pt', 'cpu'), load_model(tmp_path / 'run.pt', 'cpu'))


def test_crashed_gan_run_resumes_exactly(tmp_path):
    public = mnist5k(seed=0).public.subset(range(256))

    def fresh():
        torch.manual_seed(0)
        return (
            build('generator', image_shape=(1, 32, 32), width=8),
            build('discriminator', image_shape=(1, 32, 32), width=8, norm='instance'),
        )

    kw = dict(steps=6, loss='wgan-gp', n_critic=2, batch_size=16, seed=2, device='cpu', progress=False, sample_every=0)
    G0, D0 = fresh()
    train_gan(G0, D0, public, **kw)

    def crash(state):
        if state['step'] == 4:
            raise KeyboardInterrupt('power cut')

    G1, D1 = fresh()
    with pytest.raises(KeyboardInterrupt):
        train_gan(G1, D1, public, checkpoint=tmp_path / 'gan.ckpt', checkpoint_every=3, callbacks=(crash,), **kw)
    assert safe_load(tmp_path / 'gan.ckpt')['step'] == 3
    G2, D2 = fresh()
    hist = train_gan(G2, D2, public, checkpoint=tmp_path / 'gan.ckpt', checkpoint_every=3, **kw)
    assert len(hist) == 6
    assert _same(G0, G2) and _same(D0, D2)


def test_resume_refuses_other_settings(tmp_path):
    ds = mnist5k(seed=0).private_train.subset(range(64))
    m = build('cnn', 5, width=8)
    train_classifier(m, ds, epochs=1, batch_size=32, device='cpu', checkpoint=tmp_path / 'c.ckpt', progress=False)
    with pytest.raises(Exception, match='other settings'):
        train_classifier(
            m, ds, epochs=1, batch_size=32, lr=0.1, device='cpu', checkpoint=tmp_path / 'c.ckpt', progress=False
        )
