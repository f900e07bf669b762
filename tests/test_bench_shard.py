"""A benchmark sharded over processes gives the table of one process: `--shard I/N` runs and their merge, and
`torchrun` with 2 CPU processes, each write the rows, `plan.json` and table files of a one-process run. A merge of
shards that are missing, cut short or of different plans is refused in one line that names the shard to finish.

The in-process runs use tiny models (width 4, two steps of everything); the torchrun run trains a tiny preset into a
fresh cache (its two processes share it), so the whole file takes seconds, not minutes."""

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import torch

from netguard import cli
from netguard.data import mnist5k
from netguard.harness import merge_shards, parse_shard, plan_keys, plan_units, run_benchmark, shard_folder
from netguard.models import build
from netguard.report import dump_json, read_result
from netguard.train import PRESETS

torch.manual_seed(0)
ROLES = [('target', 5), ('public', 5), ('evaluator', 5), ('checker', 10)]
TINY = {r: build('cnn', k, (1, 32, 32), width=4) for r, k in ROLES}
TINY['gan'] = (build('generator', image_shape=(1, 32, 32), width=4, z_dim=8), build('discriminator', width=4))
FAST_NG = dict(steps=2, n_fake=4, fisher_samples=32, invert_steps=2, batch_size=8, replay_batch=8, anchor_others=2)
KW = dict(attacks=['fredrikson'], defenses=['original', 'netguard'], seeds=[0, 1], n=2, classes=[0, 1])
KW.update(device='cpu', models=TINY, split=mnist5k(seed=0), fid=False, baseline_n=20, title='tiny')
KW.update(defense_options={'netguard': FAST_NG}, attack_options={'fredrikson': dict(steps=2)})
REPORT = ('plan.json', 'table.md', 'table.csv', 'report.md')  # the files a merge writes as one process does


def timeless(rows):
    return [{k: v for k, v in r.items() if not k.endswith('_seconds')} for r in rows]


def rows_of(out: Path) -> list:
    return read_result(out / 'metrics.json')['rows']


def same_run(a: Path, b: Path):
    "The folders `a` and `b` hold the same rows (timings aside), plan.json and report files."
    assert timeless(rows_of(a)) == timeless(rows_of(b))
    for f in REPORT:
        assert (a / f).read_text() == (b / f).read_text(), f
    assert sorted(p.name for p in (a / 'grids').iterdir()) == sorted(p.name for p in (b / 'grids').iterdir())


@pytest.fixture(scope='module')
def whole(tmp_path_factory):
    "The folder of the plan run as one process."
    out = tmp_path_factory.mktemp('whole')
    run_benchmark(out=out, **KW)
    return out


def test_units_are_dealt_round_robin():
    units = plan_units([0], [0, 1], ['original', 'netguard', 'dpsgd'], (0, 2))
    assert units == [(0, 0, 'original'), (0, 0, 'dpsgd'), (0, 1, 'netguard')]
    every = [u for i in range(3) for u in plan_units([0, 1], [0, 1], ['a', 'b'], (i, 3))]
    assert sorted(every) == sorted(plan_units([0, 1], [0, 1], ['a', 'b'])) and len(every) == 8
    rec = dict(model_seeds=[0], seeds=[0], defenses={'a': 0, 'b': 0}, attacks={'x': 0, 'y': 0}, priors=[None])
    assert plan_keys(rec, (1, 2)) == [(0, 0, 'b', 'x', None), (0, 0, 'b', 'y', None)]


def test_two_shards_merge_to_the_one_process_run(whole, tmp_path):
    first = run_benchmark(out=tmp_path, shard='0/2', **KW)
    assert [(r['seed'], r['defense']) for r in first] == [(0, 'original'), (1, 'original')]
    assert not (tmp_path / 'metrics.json').exists() and (shard_folder(tmp_path, (0, 2)) / 'metrics.json').is_file()
    assert json.loads((tmp_path / 'shards' / '0-of-2' / 'plan.json').read_text())['shard'] == [0, 2]
    second = run_benchmark(out=tmp_path, shard=(1, 2), **KW)
    assert [(r['seed'], r['defense']) for r in second] == [(0, 'netguard'), (1, 'netguard')]
    merged = merge_shards(tmp_path)
    assert timeless(merged) == timeless(rows_of(whole))
    same_run(tmp_path, whole)
    assert not list(tmp_path.rglob('*.tmp'))


def test_a_shard_cut_short_is_named_then_resumed(whole, tmp_path):
    for i in range(2):
        run_benchmark(out=tmp_path, shard=(i, 2), **KW)
    cut = tmp_path / 'shards' / '1-of-2' / 'metrics.json'
    dump_json(rows_of(cut.parent)[:1], cut)  # what a kill in its second row leaves
    with pytest.raises(ValueError) as e:
        merge_shards(tmp_path)
    assert 'shard 1/2 lacks 1 of its 2 rows; finish each with netguard bench --shard I/N --resume' in str(e.value)
    kept = rows_of(cut.parent)
    resumed = run_benchmark(out=tmp_path, shard='1/2', resume=True, **KW)
    assert resumed[:1] == kept  # kept as it was, seconds included
    merge_shards(tmp_path)
    same_run(tmp_path, whole)
    dump_json(rows_of(cut.parent) * 2, cut)  # a row twice
    with pytest.raises(ValueError, match='shard 1/2 holds 2 rows twice or of another shard'):
        merge_shards(tmp_path)


def test_bad_shards_and_bad_merges_are_refused(tmp_path):
    assert parse_shard('1/2') == (1, 2) and parse_shard((0, 1)) == (0, 1) and parse_shard(None) is None
    for bad in ['2/2', '1/0', '-1/2', 'a/b', '1', '1/2/3', '', (0, 0), (0.0, 2), (True, 2)]:
        with pytest.raises(ValueError, match=r'shard must be I/N with 0 <= I < N; got '):
            parse_shard(bad)
    with pytest.raises(ValueError, match='no shards in'):
        merge_shards(tmp_path)
    run_benchmark(out=tmp_path, shard='0/2', **KW)
    with pytest.raises(ValueError, match=r'shard 1/2 is missing; run it \(--shard I/N --out'):
        merge_shards(tmp_path)
    run_benchmark(out=tmp_path, shard='1/2', **{**KW, 'n': 3})
    with pytest.raises(ValueError, match=r"different plans \(shard 1/2's n differ from shard 0/2's\)"):
        merge_shards(tmp_path)
    shard_folder(tmp_path, (0, 3)).mkdir()
    with pytest.raises(ValueError, match='holds shards of 2 and 3 processes'):
        merge_shards(tmp_path)


def test_bench_command_refuses_bad_shards_in_one_line(tmp_path, capsys):
    for argv, says in [
        (['--shard', '2/2'], "shard must be I/N with 0 <= I < N; got '2/2'"),
        (['--shard', 'x'], "shard must be I/N with 0 <= I < N; got 'x'"),
        (['--merge', str(tmp_path)], 'no shards in'),
    ]:
        assert cli.main(['bench', *argv]) == 1
        err = capsys.readouterr().err
        assert err.startswith('netguard: error: ') and says in err and err.count('\n') == 1, err
    (shard_folder(tmp_path, (1, 2))).mkdir(parents=True)
    (shard_folder(tmp_path, (1, 2)) / 'metrics.json').write_text('[]')
    assert cli.main(['bench', '--shard', '1/2', '--out', str(tmp_path), '--defenses', 'original']) == 1
    assert '1-of-2/metrics.json holds an earlier run: --resume continues it' in capsys.readouterr().err


# a tiny preset, registered in each process that runs the command: one epoch of width-4 models (the evaluator's 8),
# two GAN steps
TINY_PRESET = textwrap.dedent("""
    from dataclasses import replace

    from netguard.train import PRESETS, get_preset

    role, wider = dict(epochs=1, kwargs=dict(width=4)), dict(epochs=1, kwargs=dict(width=8))
    tiny = get_preset('mnist5k', target=role, public=role, evaluator=wider, checker=role, gan=dict(steps=2, width=4))
    PRESETS['tiny'] = replace(tiny, name='tiny')
""")
BENCH = ['bench', '--preset', 'tiny', '--attacks', 'fredrikson', '--defenses', 'original', 'netguard', '--seeds', '0']
BENCH += ['--per-class', '2', '--set', *[f'netguard.{k}={v}' for k, v in FAST_NG.items()]]  # torchrun reads --n


def test_torchrun_two_processes_write_the_one_process_table(tmp_path, monkeypatch):
    "`torchrun --nproc_per_node 2` trains the preset's models once into the cache they share, and merges the shards."
    cache = tmp_path / 'cache'
    code = TINY_PRESET + 'import sys\nfrom netguard.cli import main\nsys.exit(main())\n'
    launch = [sys.executable, '-m', 'torch.distributed.run', '--standalone', '--nproc_per_node', '2']
    argv = [*BENCH, '--cache', str(cache), '--out', str(tmp_path / 'ranks')]
    env = {**os.environ, 'NETGUARD_QUIET': '1', 'OMP_NUM_THREADS': str(torch.get_num_threads())}
    done = subprocess.run([*launch, '--no-python', sys.executable, '-c', code, *argv], env=env, capture_output=True,
                          text=True, timeout=300)  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.count('| fredrikson |') == 2  # one table, printed by the first process only
    shards = [rows_of(shard_folder(tmp_path / 'ranks', (i, 2))) for i in range(2)]
    assert [[r['defense'] for r in rows] for rows in shards] == [['original'], ['netguard']]
    monkeypatch.setitem(PRESETS, 'tiny', None)  # removed again after the test
    exec(TINY_PRESET)  # the same preset here; its models now come from the cache
    assert cli.main([*BENCH, '--cache', str(cache), '--out', str(tmp_path / 'one')]) == 0
    same_run(tmp_path / 'ranks', tmp_path / 'one')
    assert len(rows_of(tmp_path / 'one')) == 2
