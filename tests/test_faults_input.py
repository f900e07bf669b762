"""Faults in the input, through the real command line (`netguard.cli.main`, in process): bad seeds, empty paths,
repeated `--set` keys, a decompression bomb among the images and a damaged digits cache. Each is one line (or a
warning and a redraw), and nothing is written or left behind: no folder, no file, no stale `.lock`.

Every entry point that would load or train a model raises `ComputeStarted`, so a case that slipped past the checks
fails here in a second instead of training for minutes.
"""

import functools
import os
import struct
import warnings
import zlib

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import netguard.data
import netguard.harness
import netguard.train
from netguard import cli
from netguard.config import SEED
from netguard.data import BadImageFile, ImageFiles
from netguard.files import safe_load

RULE = 'must be an integer in 0..4294967295'


class ComputeStarted(BaseException):
    "Raised where a model would be loaded or trained: the checks let the input through."


def _stop(*args, **kwargs):
    raise ComputeStarted


@pytest.fixture(autouse=True)
def isolated(tmp_path, monkeypatch):
    "No model is loaded or trained; the default cache and the current folder are empty folders of this test."
    for mod, name in [
        (netguard.train, 'pretrained'),
        (netguard.train, 'pretrained_all'),
        (netguard.harness, 'pretrained'),
    ]:
        monkeypatch.setattr(mod, name, _stop)
    monkeypatch.setenv('NETGUARD_QUIET', '1')
    monkeypatch.delenv('NETGUARD_DEBUG', raising=False)
    monkeypatch.setenv('NETGUARD_CACHE', str(tmp_path / 'default-cache'))
    (tmp_path / 'cwd').mkdir()
    monkeypatch.chdir(tmp_path / 'cwd')


def run(argv):
    "Exit status of `netguard ARGV` run in-process (argparse's usage errors exit through SystemExit)."
    try:
        return cli.main(argv)
    except SystemExit as e:
        return e.code


def one_line(err: str) -> str:
    "The single `netguard: error: ...` line of stderr."
    lines = [line for line in err.split('\n') if line.strip()]
    assert len(lines) == 1 and lines[0].startswith('netguard: error: '), err
    return lines[0]


def written(tmp_path) -> list[str]:
    "Every file and folder under the test's folder that the command made (the empty cwd itself excepted)."
    return sorted(str(p.relative_to(tmp_path)) for p in tmp_path.rglob('*') if p.name != 'cwd')


# 1. seeds: one rule everywhere, before any work (a 23-digit seed used to say "Overflow when unpacking long long"
# and leave a stale .lock in the cache; -1 was accepted by data and train and refused by bench)
HUGE = '99999999999999999999999'
SEED_CASES = [
    ('data --seed -1', '--seed must be an integer in 0..4294967295; got -1'),
    (f'data --seed {HUGE}', f'--seed {RULE}; got {HUGE}'),
    ('train --seed -1', '--seed must be an integer in 0..4294967295; got -1'),
    (f'train --seed {HUGE} --roles target', f'got {HUGE}'),
    ('train --seed 4294967296', 'got 4294967296'),
    ('demo --seed -1', f'--seed {RULE}; got -1'),
    (f'demo --seed {HUGE}', f'got {HUGE}'),
    ('bench --seeds -1', f'each of --seeds {RULE}; got -1'),
    (f'bench --seeds 0 {HUGE}', f'each of --seeds {RULE}; got {HUGE}'),
]


@pytest.mark.parametrize('line,says', SEED_CASES, ids=[c[0] for c in SEED_CASES])
def test_a_seed_out_of_range_is_one_line_and_leaves_nothing(line, says, tmp_path, capsys):
    argv = line.split() + ['--cache', str(tmp_path / 'cache')]
    if argv[0] in ('data', 'demo', 'bench'):
        argv += ['--out', str(tmp_path / 'out')]
    assert run(argv) == 1
    assert says in one_line(capsys.readouterr().err)
    assert written(tmp_path) == []  # no cache folder, no .lock, no --out


def test_the_largest_seed_passes_the_check(tmp_path, capsys, monkeypatch):
    "2**32-1 is a seed: the data command runs, train and bench reach their work."
    assert run(['data', '--seed', str(2**32 - 1)]) == 0
    assert 'private train 2,000' in capsys.readouterr().out
    with pytest.raises(ComputeStarted):
        run(['train', '--seed', str(2**32 - 1), '--cache', str(tmp_path / 'cache')])
    monkeypatch.setattr(netguard.harness, 'run_benchmark', _stop)
    with pytest.raises(ComputeStarted):
        run(['bench', '--seeds', '0', str(2**32 - 1), '--out', str(tmp_path / 'out')])


def test_run_benchmark_seeds_follow_the_same_rule():
    for seeds, says in [([-1], 'got -1'), ([0, 2**32], 'got 4294967296'), ([0, 0], 'names 0 twice')]:
        with pytest.raises(ValueError, match=says):
            netguard.harness.run_benchmark('mnist5k', ['gmi'], ['original'], seeds, device='cpu')
    with pytest.raises(ValueError, match=f'each of model seeds {RULE}; got -1'):
        netguard.harness.plan_benchmark('mnist5k', ['gmi'], ['original'], [0], model_seed=-1, device='cpu')
    assert SEED[2] == 'an integer in 0..4294967295'


# 2. empty paths (--out '' wrote nothing and --cache '' used the current folder, silently)
EMPTY_CASES = [
    (['data', '--out', ''], '--out is an empty path; give a folder, e.g. --out ./out, or drop --out'),
    (['demo', '--out', ''], '--out is an empty path'),
    (['bench', '--out', ''], '--out is an empty path'),
    (['train', '--cache', ''], '--cache is an empty path; give a folder, e.g. --cache ./cache, or drop --cache'),
    (['demo', '--cache', ''], '--cache is an empty path'),
    (['bench', '--cache', ''], '--cache is an empty path'),
    (['data', '--dataset', 'mnist5k-shift', '--cache', ''], '--cache is an empty path'),
    (['data', '--dataset', 'folder', '--root', '', '--n-private', '1'], '--root is an empty path'),
]


@pytest.mark.parametrize('argv,says', EMPTY_CASES, ids=[' '.join(a) for a, _ in EMPTY_CASES])
def test_an_empty_path_is_refused(argv, says, tmp_path, capsys):
    assert run(argv) == 1
    assert says in one_line(capsys.readouterr().err)
    assert written(tmp_path) == [] and os.listdir('.') == []  # the current folder too


# 3. a repeated --set key (the last value won, silently)
@pytest.mark.parametrize('command', ['bench', 'demo'])
def test_a_repeated_set_key_is_refused(command, tmp_path, capsys):
    argv = [command, '--set', 'netguard.steps=5', 'netguard.steps=6', '--out', str(tmp_path / 'out')]
    assert run(argv) == 1
    line = one_line(capsys.readouterr().err)
    assert 'netguard.steps is given twice (netguard.steps=5 and netguard.steps=6); give each setting once' in line
    assert written(tmp_path) == []


# 4. a decompression bomb among the images (decoded whole, with a PIL warning that named no file)
def blank_png(path, w: int, h: int):
    "A black grey-level PNG of w x h pixels (about 100 kB for 100 megapixels), written without holding its pixels."

    def chunk(kind, data):
        return struct.pack('>I', len(data)) + kind + data + struct.pack('>I', zlib.crc32(kind + data))

    z = zlib.compressobj(9)
    data = b''.join(z.compress(bytes(w + 1)) for _ in range(h)) + z.flush()
    head = chunk(b'IHDR', struct.pack('>IIBBBBB', w, h, 8, 0, 0, 0, 0))
    path.write_bytes(b'\x89PNG\r\n\x1a\n' + head + chunk(b'IDAT', data) + chunk(b'IEND', b''))


def test_a_100_megapixel_image_names_the_file_before_decoding(tmp_path, capsys):
    from PIL import Image

    faces = tmp_path / 'faces'
    for who, n in [('Ada', 4), ('Bob', 2), ('Cy', 2)]:
        (faces / who).mkdir(parents=True)
        for i in range(n):
            Image.new('RGB', (40, 40), (60 * i, 0, 0)).save(faces / who / f'{i}.png')
    bomb = faces / 'Bob' / 'huge.png'  # a public image: read for the second grid, after the first is drawn
    blank_png(bomb, 10_000, 10_000)
    with warnings.catch_warnings():
        warnings.simplefilter('error')  # PIL's DecompressionBombWarning fails the test
        with pytest.raises(BadImageFile, match='huge.png: more than 50 megapixels'):
            ImageFiles([bomb], [0])[0]
        argv = ['data', '--dataset', 'folder', '--root', str(faces), '--n-private', '1', '--image-size', '32']
        assert run([*argv, '--out', str(tmp_path / 'out')]) == 1
    line = one_line(capsys.readouterr().err)
    assert f'{bomb}: more than 50 megapixels, more than netguard decodes (10000x10000); shrink the image' in line
    assert not (tmp_path / 'out').exists()  # both grids are drawn before anything is written


# 5. the drawn digits follow --cache, and a damaged digits file is redrawn
def test_drawn_digits_go_to_the_given_cache_and_a_damaged_file_is_redrawn(tmp_path, capsys, monkeypatch):
    small = functools.partial(netguard.data.mnist5k_shift, n_per_class=5)  # the real loader, fewer digits
    monkeypatch.setitem(netguard.data.DATASETS, 'mnist5k-shift', small)
    argv = ['data', '--dataset', 'mnist5k-shift', '--cache', str(tmp_path / 'mine')]
    assert run(argv) == 0
    (path,) = (tmp_path / 'mine' / 'data').glob('digits-5x10-seed0-*.pt')
    digest = f'mine/data/{path.name}.sha256'  # its SHA-256, checked when it is loaded
    assert written(tmp_path) == ['mine', 'mine/data', f'mine/data/{path.name}', digest]  # nothing in the default cache
    good = safe_load(path)['images']
    path.write_bytes(path.read_bytes()[:200])  # a process killed mid-write, a full disk
    capsys.readouterr()
    assert run(argv) == 0
    err = capsys.readouterr().err
    assert (
        f'netguard: warning: {path}: the cached digits are changed, unreadable or not the ones asked for; drawing '
        'them again' in err
    )
    assert (safe_load(path)['images'] == good).all()


def test_a_preset_split_keeps_its_digits_in_the_given_cache(tmp_path, monkeypatch):
    "`netguard train/demo/bench --preset mnist5k-shift --cache DIR`: the split they load draws into DIR."
    small = functools.partial(netguard.data.mnist5k_shift, n_per_class=5)
    monkeypatch.setitem(netguard.data.DATASETS, 'mnist5k-shift', small)
    netguard.train.PRESETS['mnist5k-shift'].split(0, cache=tmp_path / 'mine')
    assert len(list((tmp_path / 'mine' / 'data').glob('digits-5x10-*.pt'))) == 1
    assert not (tmp_path / 'default-cache').exists()


# 6. any seed on the command line: a clean run or one line, never a traceback
SEEDS = st.one_of(
    st.integers(-5, 2**32 + 5),
    st.integers().map(lambda v: v * 2**40),
    st.sampled_from([0, 2**32 - 1, 2**32, -1, 2**63, 2**64, -(2**64), 10**23]),
).map(str) | st.sampled_from(['1.5', 'x', '', '0x10', '1e3', 'nan', '+7', ' 3'])


@settings(max_examples=25, deadline=None, database=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(seed=SEEDS)
def test_any_seed_is_a_run_or_one_line(seed, tmp_path, capsys):
    code = run(['data', '--seed', seed])
    out, err = capsys.readouterr()
    assert 'Traceback' not in err and 'unexpected' not in err, err
    if code == 0:
        assert 0 <= int(seed) <= 2**32 - 1 and 'private train 2,000' in out and err == '', (seed, err)
    elif code == 1:
        assert int(seed) < 0 or int(seed) > 2**32 - 1
        assert RULE in one_line(err)
    else:  # not an integer: argparse's usage line, then its one error line
        assert code == 2 and err.startswith('usage: netguard data') and err.count(': error: ') == 1, err
    assert written(tmp_path) == []
