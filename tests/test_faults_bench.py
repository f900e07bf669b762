"""Faults inside a benchmark: stopped at random points (inside a defense, an attack, an evaluation or a write), then
resumed, it gives the rows of a run that was never stopped, and what it left while stopped is always valid.

The benchmark runs tiny models (width 4, two steps of everything) so that one run takes seconds: the points where it
is stopped are drawn by a seeded generator over the time a whole run takes. In-process stops are Ctrl-C
(`_thread.interrupt_main` from a timer: a KeyboardInterrupt at whatever line runs then); one stop is a SIGKILL of a
separate process."""

import _thread
import json
import os
import random
import signal
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest

from netguard import cli

SETUP = textwrap.dedent("""
    import torch
    from netguard.data import mnist5k
    from netguard.harness import run_benchmark
    from netguard.models import build

    torch.manual_seed(0)
    roles = [('target', 5), ('public', 5), ('evaluator', 5), ('checker', 10)]
    tiny = {r: build('cnn', k, (1, 32, 32), width=4) for r, k in roles}
    tiny['gan'] = (build('generator', image_shape=(1, 32, 32), width=4, z_dim=8), build('discriminator', width=4))
    fast_ng = dict(steps=2, n_fake=4, fisher_samples=32, invert_steps=2, batch_size=8, replay_batch=8, anchor_others=2)
    KW = dict(attacks=['gmi', 'fredrikson'], defenses=['original', 'netguard'], seeds=[0], n=2, classes=[0, 1])
    KW.update(device='cpu', models=tiny, split=mnist5k(seed=0), fid=False, baseline_n=20)
    KW.update(defense_options={'netguard': fast_ng}, attack_options={'gmi': dict(steps=2), 'fredrikson': dict(steps=2)})
""")
exec(SETUP)  # the same models and options here and in the killed process
ROWS = 4  # 2 defenses x 2 attacks


def timeless(rows):
    return [{k: v for k, v in r.items() if not k.endswith('_seconds')} for r in rows]


def metrics(out: Path) -> list:
    "The rows in `out`'s metrics.json (none without one), read as a resumed run reads them."
    from netguard.report import read_result

    return read_result(out / 'metrics.json')['rows'] if (out / 'metrics.json').exists() else []


@pytest.fixture(scope='module')
def whole(tmp_path_factory):
    "The rows of a run never stopped, and how long it took."
    t0 = time.perf_counter()
    rows = run_benchmark(out=tmp_path_factory.mktemp('whole'), resume=True, **KW)  # noqa: F821 (from SETUP)
    return rows, time.perf_counter() - t0


def interrupted(out: Path, after: float) -> bool:
    "Run the benchmark into `out`, stopped with Ctrl-C `after` seconds in; whether the stop came before its end."
    timer = threading.Timer(after, _thread.interrupt_main)
    timer.start()
    try:
        run_benchmark(out=out, resume=True, **KW)  # noqa: F821
        timer.cancel()
        timer.join()
        return False
    except KeyboardInterrupt:
        return True


def test_ctrl_c_at_random_points_then_resume(whole, tmp_path):
    rows, seconds = whole
    test_eq = lambda a, b: (a == b) or pytest.fail(f'{a}\n!=\n{b}')  # noqa: E731
    rng, stopped = random.Random(0), 0
    for k in range(3):
        out = tmp_path / f'run{k}'
        if interrupted(out, rng.uniform(0.05, 0.6) * seconds):
            stopped += 1
            left = metrics(out)  # valid JSON, a prefix of the whole run's rows
            test_eq(timeless(left), timeless(rows[: len(left)]))
            if interrupted(out, rng.uniform(0.05, 0.6) * seconds):  # stopped again while resuming
                test_eq(timeless(metrics(out)), timeless(rows[: len(metrics(out))]))
        resumed = run_benchmark(out=out, resume=True, **KW)  # noqa: F821
        test_eq(timeless(resumed), timeless(rows))
        test_eq(timeless(metrics(out)), timeless(rows))
        assert (out / 'report.md').is_file() and not list(out.glob('*.tmp'))
    assert stopped >= 2, f'only {stopped} of 3 runs were stopped before their end: the draws are too late'


def test_sigkill_then_resume(whole, tmp_path):
    "A process SIGKILLed at a random point inside the run: `metrics.json` stays valid, and resuming finishes it."
    rows, seconds = whole
    out = tmp_path / 'killed'
    script = SETUP + f'\nprint("ready", flush=True)\nrun_benchmark(out={str(out)!r}, resume=True, **KW)\n'
    env = {**os.environ, 'NETGUARD_QUIET': '1'}
    proc = subprocess.Popen([sys.executable, '-c', script], stdout=subprocess.PIPE, env=env, text=True)
    assert proc.stdout.readline().strip() == 'ready'
    time.sleep(random.Random(1).uniform(0.2, 0.8) * seconds)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    left = metrics(out)
    assert len(left) < ROWS, 'the process finished before the kill'
    assert timeless(left) == timeless(rows[: len(left)])
    assert timeless(run_benchmark(out=out, resume=True, **KW)) == timeless(rows)  # noqa: F821


def test_bench_command_refuses_to_replace_without_resume(whole, tmp_path, capsys):
    "`netguard bench --out DIR` on a folder with results refuses before any work, and names --resume."
    (tmp_path / 'metrics.json').write_text('[]')
    assert cli.main(['bench', '--out', str(tmp_path), '--n', '2']) == 1
    err = capsys.readouterr().err
    assert 'holds an earlier run: --resume continues it' in err and err.count('\n') == 1
    assert json.loads((tmp_path / 'metrics.json').read_text()) == []


def test_netguard_settings_beyond_free_memory_are_refused_before_any_work(tmp_path, capsys, monkeypatch):
    "On a machine with 1 GiB free, `bench` with NetGuard at n_fake=4096 stops in seconds, before the first row."
    import time

    import netguard.core

    monkeypatch.setattr(netguard.core, 'free_memory', lambda device='cpu': 2**30)  # a machine with 1 GiB free
    out = tmp_path / 'out'
    t0 = time.perf_counter()
    assert (
        cli.main(['bench', '--defenses', 'original', 'netguard', '--set', 'netguard.n_fake=4096', '--out', str(out)])
        == 1
    )
    errors = [s for s in capsys.readouterr().err.splitlines() if s.startswith('netguard: error:')]
    assert len(errors) == 1, errors
    line = errors[0]
    assert "NetGuard's setup needs about" in line and 'GiB, and 1.0 GiB is free on cpu; lower n_fake' in line, line
    assert not (out / 'metrics.json').exists() and not list(out.glob('grids/*'))  # not even the original's rows ran
    assert time.perf_counter() - t0 < 120
    n = cli.main(['bench', '--defenses', 'original', '--n', '5000', '--out', str(tmp_path / 'n')])  # the attacks' batch
    errors = [s for s in capsys.readouterr().err.splitlines() if s.startswith('netguard: error:')]
    assert n == 1 and len(errors) == 1 and 'an attack on 5 classes x 5000 reconstructions (one batch)' in errors[0]
    assert 'lower n (--n) to at most about' in errors[0] and not (tmp_path / 'n' / 'metrics.json').exists()
