"Multi-process training: 2 CPU processes under torchrun (gloo) end with identical weights and a working checkpoint."

import subprocess
import sys
from pathlib import Path

import torch

from netguard.data import mnist5k
from netguard.files import safe_load
from netguard.models import load_model
from netguard.train import accuracy


def test_two_process_ddp(tmp_path):
    worker = Path(__file__).with_name('ddp_worker.py')
    r = subprocess.run(
        [
            sys.executable,
            '-m',
            'torch.distributed.run',
            '--standalone',
            '--nproc_per_node=2',
            str(worker),
            str(tmp_path),
        ],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert r.returncode == 0, r.stderr[-3000:]
    a, b = torch.load(tmp_path / 'rank0.pt', weights_only=True), torch.load(tmp_path / 'rank1.pt', weights_only=True)
    assert a.keys() == b.keys()
    for k in a:
        torch.testing.assert_close(a[k], b[k], rtol=0, atol=0, msg=f'{k} differs between the two processes')
    model = load_model(tmp_path / 'model.pt', device='cpu')
    acc = accuracy(model, mnist5k(seed=0).private_test)
    assert acc > 0.8, acc  # 3 epochs on 1,000 digits: far above chance (0.2)
    ckpt = safe_load(tmp_path / 'train.ckpt')
    assert ckpt["step"] == 93 and ckpt['settings']['world'] == 2  # 1,000 // (16 x 2) = 31 steps per epoch
