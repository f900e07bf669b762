"""Bad input, as a new user or an attacker would type it: one clear line, the right exit status, nothing written.

The command runs in-process (`netguard.cli.main`), and every entry point that would load or train a model raises
`ComputeStarted` instead, so a case that slipped past the checks fails here in a second instead of training for minutes.
"""

import math
import os

import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import netguard.train  # noqa: F401 (registers `netguard train`)
from netguard import cli
from netguard.core import COMMANDS
from netguard.defend import NetGuardConfig
from netguard.eval import all_class_check, attack_accuracy, checker_reads, knn_distance
from netguard.files import CheckpointError, atomic_save, safe_load
from netguard.models import build, load_model, save_model


class ComputeStarted(BaseException):
    "Raised where a model would be loaded or trained: the checks let the input through."


def _stop(*args, **kwargs):
    raise ComputeStarted


@pytest.fixture(autouse=True)
def no_compute(monkeypatch):
    import netguard.harness
    import netguard.train

    for mod, name in [
        (netguard.train, 'pretrained'),
        (netguard.train, 'pretrained_all'),
        (netguard.harness, 'pretrained'),
    ]:
        monkeypatch.setattr(mod, name, _stop)
    monkeypatch.setenv('NETGUARD_QUIET', '1')
    monkeypatch.delenv('NETGUARD_DEBUG', raising=False)


def run(argv):
    "Exit status of `netguard ARGV` run in-process."
    try:
        return cli.main(argv)
    except SystemExit as e:
        return e.code


def error_lines(err):
    "The non-blank lines of stderr (split on newlines only: a bad argument may hold other line-break characters)."
    return [line for line in err.split('\n') if line.strip()]


def assert_one_line(err, code):
    "Exit 1: exactly one line, `netguard: error: ...`. Exit 2: argparse's usage line(s), then its one error line."
    lines = error_lines(err)
    if code == 1:
        assert len(lines) == 1 and lines[0].startswith('netguard: error: '), err
    else:
        assert (
            lines[0].startswith('usage: netguard') and lines[-1].startswith('netguard') and ': error: ' in lines[-1]
        ), err
        assert sum(': error: ' in line for line in lines) == 1, err
    return lines[-1]


# (command line, exit status, part of the message); {file} is an existing file, {empty} an empty argument, --out is
# added where the command has it
CASES = [
    # wrong results, silently: now refused before any work
    ('bench --set netguard.steps=-1', 1, 'NetGuard setting steps must be an integer >= 1; got -1'),
    ('bench --set netguard.steps=0', 1, 'steps must be an integer >= 1; got 0'),
    ('bench --set netguard.steps=2.5', 1, 'steps must be an integer >= 1; got 2.5'),
    ('bench --set netguard.steps=true', 1, 'steps must be an integer >= 1; got True'),
    ('demo --set netguard.steps=0', 1, 'steps must be an integer >= 1; got 0'),
    ('data --per-class -3', 1, '--per-class must be in 1..50'),
    ('data --per-class 0', 1, '--per-class must be in 1..50'),
    ('data --per-class 1000', 1, 'got 1,000'),
    # settings: types, ranges, names
    ('bench --set netguard.lr=abc', 1, "lr must be a finite number > 0; got 'abc'"),
    ('bench --set netguard.lr=-1', 1, 'lr must be a finite number > 0; got -1'),
    ('bench --set netguard.lr=NaN', 1, 'got nan'),
    ('bench --set netguard.lr=Infinity', 1, 'got inf'),
    ('bench --set netguard.batch_size=0', 1, 'batch_size must be an integer in 1..20000; got 0'),
    ('bench --set netguard.decoy_rule=bogus', 1, "decoy_rule must be one of 'random'"),
    (
        'bench --set netguard.protected_cap=2',
        1,
        'protected_cap must be a number strictly between 0 and 1 or None; got 2',
    ),
    ('bench --set netguard.protected_cap=1', 1, 'protected_cap must be a number strictly between 0 and 1'),
    ('bench --set netguard.protected_cap=0', 1, 'protected_cap must be a number strictly between 0 and 1'),
    ('bench --set netguard.lam=-1', 1, 'lam must be a finite number >= 0; got -1'),
    ('bench --set netguard.rounds=0', 1, 'rounds must be an integer >= 1'),
    ('bench --set netguard.private_loss=nope', 1, "private_loss must be one of 'literal', 'push'"),
    ('bench --set netguard.fisher_normalize=sum', 1, "fisher_normalize must be one of 'mean', 'max' or None"),
    ('bench --set netguard.fisher_samples=0', 1, 'fisher_samples must be an integer in 1..1000000 or None'),
    ('bench --set netguard.invert_steps=0', 1, 'invert_steps must be an integer >= 1 or None; got 0'),
    ('bench --set netguard.n_fake=0', 1, 'n_fake must be an integer in 1..20000'),
    ('bench --set netguard.decoys=0', 1, 'decoys must be an integer >= 1'),
    ('bench --set netguard.anchor_others=-1', 1, 'anchor_others must be an integer in 0..20000'),
    ('bench --set netguard.cap_spread=x', 1, "cap_spread must be one of 'uniform', 'original'"),
    ('demo --set netguard.replay=-0.5', 1, 'replay must be a finite number >= 0; got -0.5'),
    ('bench --set netguard.gamma=1', 1, "netguard has no setting 'gamma'; valid: alpha"),
    ('bench --set netguard.lam', 1, 'DEFENSE.KEY=VALUE'),
    ('demo --set protected_cap=0.8', 1, 'DEFENSE.KEY=VALUE'),
    ('bench --set original.x=1', 1, "'original' has no settings"),
    (
        'bench --defenses original --set netguard.lam=1',
        1,
        "the defense 'netguard' is not run here; add it to --defenses",
    ),
    ('demo --set dpsgd.epsilon=1', 1, "the defense 'dpsgd' is not run here"),
    (
        'bench --defenses original dpsgd --set dpsgd.epsilon=-1',
        1,
        'DP-SGD setting epsilon must be a finite number > 0; got -1',
    ),
    (
        'bench --defenses original dpsgd --set dpsgd.delta=1',
        1,
        'DP-SGD setting delta must be a number strictly between 0 and 1',
    ),
    ('bench --defenses original dpsgd --set dpsgd.epochs=0', 1, 'DP-SGD setting epochs must be an integer >= 1'),
    (
        'bench --defenses original dpsgd --set dpsgd.lr=abc',
        1,
        "DP-SGD setting lr must be a finite number > 0; got 'abc'",
    ),
    ('bench --defenses original admi --set admi.eps=-1', 1, 'Ad-mi setting eps must be a finite number >= 0'),
    ('bench --defenses original admi --set admi.inv_steps=0', 1, 'Ad-mi setting inv_steps must be an integer >= 1'),
    ('bench --defenses original admi --set admi.k=0', 1, 'Ad-mi setting k must be an integer >= 1 or None'),
    # numbers, classes, seeds, names
    ('bench --n 1000000', 1, '--n must be in 2..10,000 (reconstructions per private class); got 1,000,000'),
    ('bench --n 1', 1, '--n must be in 2..10,000'),
    ('bench --n 0', 1, '--n must be in 2..10,000'),
    ('bench --n -5', 1, 'got -5'),
    ('demo --n 1000000', 1, '--n must be in 2..10,000'),
    ('bench --protect 0 0', 1, '--protect 0 0 names 0 twice; give each once'),
    ('bench --protect 0 3 3', 1, 'names 3 twice'),
    ('bench --protect -1', 1, '--protect takes integers >= 0; got -1'),
    ('bench --protect 7', 1, 'protected classes must be in 0..4 (the private classes); got [7]'),
    ('bench --seeds 0 0', 1, '--seeds 0 0 names 0 twice'),
    # seeds: one rule (an integer in 0..2**32-1) in every command, before any work
    ('data --seed -1', 1, '--seed must be an integer in 0..4294967295; got -1'),
    ('train --seed -1', 1, '--seed must be an integer in 0..4294967295; got -1'),
    ('demo --seed -1', 1, '--seed must be an integer in 0..4294967295; got -1'),
    ('bench --seeds -1', 1, 'each of --seeds must be an integer in 0..4294967295; got -1'),
    ('train --seed 99999999999999999999999', 1, 'got 99999999999999999999999'),
    ('data --seed 4294967296', 1, 'got 4294967296'),
    ('bench --seeds 0 4294967296', 1, 'each of --seeds must be an integer in 0..4294967295; got 4294967296'),
    # a setting given twice: refused, not the last one silently
    (
        'bench --set netguard.steps=5 netguard.steps=6',
        1,
        '--set netguard.steps is given twice (netguard.steps=5 and netguard.steps=6); give each setting once',
    ),
    ('demo --set netguard.lam=1 netguard.lam=1', 1, 'netguard.lam is given twice'),
    ('bench --attacks gmi gmi', 1, "the attack 'gmi' is named twice"),
    ('bench --defenses original,original', 1, "the defense 'original' is named twice"),
    ('bench --attacks ,', 1, 'no attack given'),
    ('bench --attacks deepinversion', 1, "unknown attack 'deepinversion'; choose one of: gmi"),
    ('bench --defenses dp', 1, "unknown defense 'dp'; choose one of: original"),
    ('bench --preset nope', 1, "unknown preset 'nope'; choose one of: mnist5k"),
    ('train --preset nope', 1, "unknown preset 'nope'"),
    ('train --roles bogus', 1, 'unknown role(s) bogus; choose from target'),
    ('train --roles target,bogus', 1, 'unknown role(s) bogus'),
    ('data --dataset imagenet', 1, "unknown dataset 'imagenet'; choose one of: mnist5k"),
    (
        'data --dataset folder',
        1,
        '--dataset folder needs --root DIR: a folder with one sub-folder of images per identity',
    ),
    ('data --dataset folder --root {file}', 1, '--dataset folder needs --n-private N'),
    (
        'data --dataset folder --root {file} --n-private 0',
        1,
        '--n-private must be in 1..100,000 (private identities); got 0',
    ),
    ('data --dataset folder --root {file} --n-private 2', 1, 'put one sub-folder of images per identity there'),
    (
        'data --root {file}',
        1,
        '--root: the mnist5k dataset takes no root (it is embedded in the package); --root is for mnist',
    ),
    (
        'data --dataset mnist --n-private 3',
        1,
        '--n-private: the mnist dataset takes no n private; --n-private is for celeba, folder',
    ),
    ('data --image-size 48', 1, "image_size=48: netguard's models take square images of 32 or 64 px"),
    ('data --dataset mnist5k-shift --image-size 16', 1, 'choose image_size=32 or image_size=64'),
    ('data --image-size x', 2, "argument --image-size: invalid int value: 'x'"),
    ('models --num-classes 1000000000', 1, '--num-classes must be in 2..100,000'),
    ('models --num-classes 1', 1, '--num-classes must be in 2..100,000'),
    ('models --image-shape 1 28 28', 1, 'square 32x32 or 64x64'),
    ('models --image-shape 1 32 64', 1, 'square 32x32 or 64x64'),
    ('models --image-shape 2 32 32', 1, 'take 1 (grey) or 3 (colour)'),
    # devices
    ('bench --device nonsense', 1, "unknown device 'nonsense'; use cpu, cuda, cuda:N or mps"),
    ('demo --device nonsense', 1, "unknown device 'nonsense'"),
    ('train --device nonsense', 1, "unknown device 'nonsense'"),
    ('bench --device meta', 1, 'netguard runs on cpu, cuda or mps'),
    # folders
    ('bench --out {file}', 1, 'is a file, not a folder; give a folder'),
    ('bench --out {file}/sub', 1, 'is a file, so no folder can be made there'),
    ('demo --out {file}', 1, 'is a file, not a folder'),
    ('data --out {file}', 1, 'is a file, not a folder'),
    ('train --cache {file}', 1, '--cache'),
    ('data --out {empty}', 1, '--out is an empty path; give a folder, e.g. --out ./out, or drop --out'),
    ('bench --out {empty}', 1, '--out is an empty path'),
    ('demo --out {empty}', 1, '--out is an empty path'),
    ('train --cache {empty}', 1, '--cache is an empty path; give a folder, e.g. --cache ./cache, or drop --cache'),
    ('bench --cache {empty}', 1, '--cache is an empty path'),
    ('data --dataset folder --root {empty} --n-private 1', 1, '--root is an empty path'),
    # usage errors: argparse's format, exit 2
    ('bench --seeds x', 2, "argument --seeds: invalid int value: 'x'"),
    ('bench --seeds', 2, 'expected at least one argument'),
    ('bench --n 1.5', 2, "argument --n: invalid int value: '1.5'"),
    ('bench --protect x', 2, "invalid int value: 'x'"),
    ('bench --bogus', 2, 'unrecognized arguments: --bogus'),
    ('demo --seed 1.5', 2, "invalid int value: '1.5'"),
    ('data --seed abc', 2, "invalid int value: 'abc'"),
    ('train --seed x', 2, "invalid int value: 'x'"),
    ('models --image-shape 1 32', 2, 'expected 3 arguments'),
    ('frobnicate', 2, "invalid choice: 'frobnicate'"),
]
if not torch.cuda.is_available():
    CASES += [
        ('bench --device cuda', 1, "device 'cuda': no CUDA GPU is available here; use cpu"),
        ('train --device cuda:1', 1, 'no CUDA GPU is available here'),
    ]


@pytest.mark.parametrize('line,code,says', CASES, ids=[c[0] for c in CASES])
def test_bad_input(line, code, says, tmp_path, capsys):
    afile = tmp_path / 'afile'
    afile.write_text('keep')
    argv = [a.replace('{empty}', '') for a in line.replace('{file}', str(afile)).split()]
    if argv[0] in ('bench', 'demo', 'data') and '--out' not in argv:
        argv += ['--out', str(tmp_path / 'out')]
    assert run(argv) == code
    last = assert_one_line(capsys.readouterr().err, code)
    assert says in last, last
    assert (
        sorted(p.name for p in tmp_path.iterdir()) == ['afile'] and afile.read_text() == 'keep'
    )  # nothing written or lost


def test_enough_cases():
    assert len(CASES) >= 40


def test_read_only_out_is_refused_up_front(tmp_path, capsys, monkeypatch):
    "An --out whose parent cannot be written (faked: the tests may run as root, who can write anywhere)."
    ro = tmp_path / 'ro'
    ro.mkdir()
    monkeypatch.setattr(os, 'access', lambda path, mode: os.path.realpath(path) != os.path.realpath(ro))
    assert run(['bench', '--out', str(ro / 'report')]) == 1
    assert 'is not writable (permission denied); give a folder you can write to' in assert_one_line(
        capsys.readouterr().err, 1
    )
    assert list(ro.iterdir()) == []


# every kind of failure from inside a command: one line, exit 1; the traceback with --debug or NETGUARD_DEBUG=1
FAILURES = [
    (
        CheckpointError(
            '/cache/target.pt is not a readable PyTorch checkpoint (truncated or corrupt?): PytorchStreamReader\nmore'
        ),
        '/cache/target.pt is not a readable PyTorch checkpoint (truncated or corrupt?): PytorchStreamReader',
    ),
    (
        RuntimeError('Expected one of cpu, cuda, xpu device type at start of device string: nonsense'),
        'Expected one of cpu',
    ),
    (RuntimeError('CUDA out of memory. Tried to allocate 20.00 GiB'), 'lower --n or use a smaller preset'),
    (
        FileExistsError(17, 'File exists', 'out/grids'),
        'a file is in the way: out/grids; move it or give another folder',
    ),
    (
        PermissionError(13, 'Permission denied', 'out/metrics.json'),
        'permission denied: out/metrics.json; give a folder you can',
    ),
    (FileNotFoundError('no checkpoint at /x.pt'), 'no checkpoint at /x.pt'),
    (OSError(28, 'No space left on device', 'out/report.md'), 'No space left on device: out/report.md'),
    (TypeError("unknown NetGuard setting(s) ['gamma']"), "unknown NetGuard setting(s) ['gamma']"),
    (KeyError("unknown role 'x'"), "unknown role 'x'"),
    (ValueError('state_dict shapes\n  size mismatch for fc.weight'), 'state_dict shapes'),
    (FloatingPointError('NetGuard fine-tuning diverged at step 3 (loss nan); lower lr'), 'diverged at step 3'),
    (AttributeError("'NoneType' object has no attribute 'eval'"), 'unexpected AttributeError'),
]


@pytest.mark.parametrize('exc,says', FAILURES, ids=[type(e).__name__ for e, _ in FAILURES])
def test_every_failure_is_one_line(exc, says, monkeypatch, capsys):
    def fail(args):
        raise exc

    monkeypatch.setattr(COMMANDS['models'], 'run', fail)
    assert run(['models']) == 1
    assert says in assert_one_line(capsys.readouterr().err, 1)
    with pytest.raises(type(exc)):  # the traceback, for whoever needs it
        run(['--debug', 'models'])
    with pytest.raises(type(exc)):
        run(['models', '--debug'])
    monkeypatch.setenv('NETGUARD_DEBUG', '1')
    with pytest.raises(type(exc)):
        run(['models'])


def test_ctrl_c_is_one_line_and_130(monkeypatch, capsys, tmp_path):
    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(COMMANDS['train'], 'run', interrupted)
    assert run(['train']) == 130
    assert error_lines(capsys.readouterr().err) == [
        'netguard: interrupted (Ctrl-C) during train; the models trained before it stay in the cache'
    ]
    import netguard.harness

    def half_done(*args, out=None, **kwargs):  # the benchmark keeps metrics.json up to date after each run
        os.makedirs(out, exist_ok=True)
        with open(os.path.join(out, 'metrics.json'), 'w') as f:
            f.write('[]\n')
        raise KeyboardInterrupt

    monkeypatch.setattr(netguard.harness, 'run_benchmark', half_done)
    assert run(['bench', '--out', str(tmp_path / 'b')]) == 130
    (line,) = error_lines(capsys.readouterr().err)
    assert (
        line.startswith('netguard: interrupted (Ctrl-C) during bench; the runs finished so far are in ')
        and 'metrics.json' in line
    )


# functions: a damaged file or a NaN never becomes a number
def test_checkpoints_with_nan_or_huge_metadata_are_refused(tmp_path):
    model = build('cnn', 3, (1, 32, 32), width=4)
    save_model(model, tmp_path / 'ok.pt', class_names=['a', 'b', 'c'])
    ck = safe_load(tmp_path / 'ok.pt')
    ck['state_dict']['head.1.bias'][1] = float('inf')
    atomic_save(ck, tmp_path / 'inf.pt')
    with pytest.raises(CheckpointError, match=r'inf\.pt holds non-finite weights \(NaN or inf\)'):
        load_model(tmp_path / 'inf.pt', device='cpu')
    ck = safe_load(tmp_path / 'ok.pt')
    ck['meta'].update(class_names=None, arch={**ck['meta']['arch'], 'num_classes': 10**9})
    ck['state_dict'] = {}
    atomic_save(ck, tmp_path / 'huge.pt')
    assert (tmp_path / 'huge.pt').stat().st_size < 4096  # a small file asking for a 256 GB head: refused, not allocated
    with pytest.raises(CheckpointError, match=r'huge\.pt: its metadata asks for a model netguard does not build'):
        load_model(tmp_path / 'huge.pt', device='cpu')


def test_nan_is_never_a_hit():
    ev = build('cnn', 3, (1, 32, 32), width=4).eval()
    nan = torch.full((4, 1, 32, 32), float('nan'))
    y = torch.tensor([0, 0, 1, 2])
    for f in (attack_accuracy, all_class_check, checker_reads):
        with pytest.raises(ValueError, match='4 of 4 images hold NaN or inf'):
            f(ev, nan, y)
    with pytest.raises(ValueError, match='NaN or inf'):
        knn_distance(ev, nan, torch.zeros(4, 1, 32, 32))


# properties: random input gives a result or one line of our own kinds, nothing else
TOKENS = st.sampled_from(
    [
        'data',
        'models',
        'train',
        'demo',
        'bench',
        '--out',
        '--n',
        '--seed',
        '--seeds',
        '--protect',
        '--set',
        '--device',
        '--preset',
        '--attacks',
        '--defenses',
        '--per-class',
        '--num-classes',
        '--image-shape',
        '--roles',
        '--cache',
        '--dataset',
        '--from-scratch',
        '-h',
        '--version',
        '--root',
        '--n-private',
        '--image-size',
    ]
)
VALUES = st.one_of(
    st.integers(-(10**7), 10**7).map(str),
    st.sampled_from(
        [
            '0',
            '1',
            '2',
            '32',
            '1.5',
            'nan',
            'x',
            '',
            'cuda',
            'cpu',
            'cuda:3',
            'nonsense',
            'mnist5k',
            'gmi',
            'gmi,gmi',
            'original',
            'netguard',
            'dpsgd',
            'netguard.steps=-1',
            'netguard.lr=abc',
            'netguard.protected_cap=None',
            'netguard.lam=10',
            'dpsgd.epsilon=0',
            'admi.k=2',
            'netguard.decoy_rule=random',
            'target,gan',
            '{file}',
            '{file}/x',
            'folder',
            '48',
            '64',
        ]
    ),
    st.text(max_size=6),
)


@settings(max_examples=60, deadline=None, database=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(argv=st.lists(st.one_of(TOKENS, VALUES), max_size=8))
def test_random_command_lines(argv, tmp_path, monkeypatch, capsys):
    import netguard.data
    import netguard.harness
    import netguard.models

    for mod, name in [(netguard.harness, 'run_benchmark'), (netguard.data, 'load_split'), (netguard.models, 'build')]:
        monkeypatch.setattr(mod, name, _stop)
    afile = tmp_path / 'afile'
    afile.write_text('keep')
    argv = [a.replace('{file}', str(afile)) for a in argv]
    if argv and argv[0] in ('bench', 'demo', 'data'):
        argv = [*argv, '--out', str(tmp_path / 'out')]  # never the current folder
    try:
        code = run(argv)
    except ComputeStarted:  # every check passed: the work would start here
        code = None
    out, err = capsys.readouterr()
    if code == 1:
        assert_one_line(err, 1)
    elif code == 2 and err:
        assert_one_line(err, 2)
    else:
        # a result, --help, --version, no command, or work about to start (which may announce itself on stderr)
        bad = [line for line in error_lines(err) if 'error' in line.lower() or 'Traceback' in line]
        assert code in (None, 0, 2) and not bad, (argv, code, err)
    assert not (tmp_path / 'out').exists() and afile.read_text() == 'keep'


EVALUATOR, CHECKER = build('cnn', 3, (1, 32, 32), width=4).eval(), build('cnn', 5, (1, 32, 32), width=4).eval()


@st.composite
def judged_batches(draw):
    n = draw(st.integers(0, 4))
    shape = (n, draw(st.sampled_from([1, 3])), *draw(st.sampled_from([(32, 32), (16, 16), (32, 16)])))
    images = torch.randn(shape, generator=torch.Generator().manual_seed(draw(st.integers(0, 2**16))))
    for _ in range(draw(st.integers(0, 2))):
        if n:
            images.view(-1)[draw(st.integers(0, images.numel() - 1))] = draw(
                st.sampled_from([math.nan, math.inf, -math.inf])
            )
    if draw(st.booleans()):
        images = images.to(draw(st.sampled_from([torch.uint8, torch.float64])))
    labels = draw(st.lists(st.integers(-2, 6), min_size=max(0, n - 1), max_size=n + 1))
    return images, labels


@settings(max_examples=40, deadline=None, database=None)
@given(batch=judged_batches(), which=st.sampled_from(['attack_accuracy', 'all_class_check', 'checker_reads', 'knn']))
def test_random_tensors_to_the_judges(batch, which):
    images, labels = batch
    call = {
        'attack_accuracy': lambda: attack_accuracy(EVALUATOR, images, labels),
        'all_class_check': lambda: all_class_check(CHECKER, images, labels),
        'checker_reads': lambda: checker_reads(CHECKER, images, labels),
        'knn': lambda: knn_distance(EVALUATOR, images, torch.zeros(2, 1, 32, 32)),
    }[which]
    try:
        result = call()
    except ValueError as e:
        assert str(e) and '\n' not in str(e)
        return
    if which == 'attack_accuracy':
        values = [v for per_class in result.values() for v in per_class.values()]
    elif which == 'all_class_check':
        values = list(result.values())
    elif which == 'checker_reads':
        values = [fraction for reads in result.values() for _, fraction in reads]
    else:
        values = [result]
    assert all(math.isfinite(v) and (which == 'knn' or 0 <= v <= 1) for v in values), result


SETTING_VALUES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-3, 10**6),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from(['push', 'literal', 'random', 'spread', 'mean', 'uniform', 'patent', 'x', '']),
)


@settings(max_examples=100, deadline=None, database=None)
@given(kwargs=st.dictionaries(st.sampled_from(list(NetGuardConfig.__dataclass_fields__)), SETTING_VALUES, max_size=4))
def test_random_netguard_settings(kwargs):
    try:
        cfg = NetGuardConfig(**kwargs)
    except ValueError as e:
        assert str(e).startswith('NetGuard setting ') and '\n' not in str(e)
        return
    assert cfg.steps >= 1 and cfg.lr > 0 and math.isfinite(cfg.lr)
