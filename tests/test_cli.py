"""The `netguard` command end to end, as a user runs it, and the cost of `import netguard`. The tests named "as a user
runs them" (and the top-level help and usage error) start the console script; the others call its `main` in this
process, which answers the same (same parser, same one-line errors) without paying for torch's import each time."""

import contextlib
import io
import shutil
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

# the console script pip installed next to this interpreter (as a user runs it)
NETGUARD = shutil.which('netguard', path=str(Path(sys.executable).parent)) or shutil.which('netguard')


def run(*args):
    assert NETGUARD, "the `netguard` command is not installed: run `pip install -e .`"
    return subprocess.run([NETGUARD, *args], capture_output=True, text=True, timeout=300)


def call(*args):
    "`netguard ARGS` through `netguard.cli.main` in this process: returncode, stdout and stderr as `run` gives them."
    from netguard.cli import main

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            rc = main(list(args))
        except SystemExit as e:  # argparse: --help (0) and usage errors (2)
            rc = e.code if isinstance(e.code, int) else 1
    return SimpleNamespace(returncode=rc, stdout=out.getvalue(), stderr=err.getvalue())


def test_help_on_every_subcommand():
    top = run('--help')
    assert top.returncode == 0 and 'data' in top.stdout and 'models' in top.stdout
    for sub in ('data', 'models', 'train', 'demo', 'bench', 'serve'):
        r = call(sub, '--help')
        assert r.returncode == 0 and 'usage: netguard ' + sub in r.stdout


def test_demo_and_bench_help_name_their_options():
    r = call('demo', '--help')
    assert r.returncode == 0 and all(o in r.stdout for o in ('--out', '--seed', '--device', 'NetGuard'))
    r = call('bench', '--help')
    assert r.returncode == 0
    assert all(
        o in r.stdout for o in ('--preset', '--attacks', '--defenses', '--seeds', '--n', '--out', 'kedmi', 'admi')
    )


def test_serve_help_and_bad_arguments():
    r = call('serve', '--help')
    assert r.returncode == 0
    assert all(
        o in r.stdout for o in ('--defense', '--answers', '--k', '--round', '--budget', '--host', '--port', '--log')
    )
    assert '127.0.0.1' in r.stdout and 'netguard[serve]' in r.stdout and 'admi' in r.stdout
    r = call('serve', '--answers', 'scores', '--k', '3')  # refused before any model is loaded or port opened
    assert (r.returncode, r.stderr) == (
        1,
        'netguard: error: scores answers every class: for the top k only, answer topk\n',
    )
    r = call('serve', '--defense', 'dp')
    assert r.returncode == 1 and r.stderr.startswith("netguard: error: unknown defense 'dp'; choose one of: original")
    r = call('serve', '--answers', 'logits')
    assert r.returncode == 2 and "invalid choice: 'logits'" in r.stderr


def test_bench_rejects_unknown_names_at_once():
    r = call('bench', '--attacks', 'gmi,deepinversion', '--out', 'never-written')
    assert r.returncode == 1, r.stderr
    assert r.stderr.strip().startswith("netguard: error: unknown attack 'deepinversion'; choose one of: gmi, ")
    assert '\n' not in r.stderr.strip() and 'kedmi' in r.stderr
    r = call('bench', '--defenses', 'original', 'dp')
    assert r.returncode == 1 and r.stderr.strip().startswith(
        "netguard: error: unknown defense 'dp'; choose one of: original"
    )
    r = call('bench', '--seeds', 'x')
    assert r.returncode == 2 and "invalid int value: 'x'" in r.stderr
    r = call('demo', '--seed', '1.5')
    assert r.returncode == 2 and "invalid int value: '1.5'" in r.stderr


def test_set_checks_defense_settings_at_once():
    r = call('bench', '--set', 'netguard.gamma=1', '--out', 'never-written')
    assert r.returncode == 1 and not Path('never-written').exists()
    assert r.stderr.strip().startswith(
        "netguard: error: --set netguard.gamma=1: netguard has no setting 'gamma'; valid: alpha, beta"
    )
    r = call('bench', '--set', 'dpsgd.epsilon=2')  # DP-SGD is not among the default defenses
    assert r.returncode == 1 and r.stderr.strip().endswith("the defense 'dpsgd' is not run here; add it to --defenses")
    r = call('demo', '--set', 'protected_cap=0.8')
    assert r.returncode == 1 and 'DEFENSE.KEY=VALUE' in r.stderr
    assert '--set' in call('demo', '--help').stdout and 'dpsgd.epsilon' in call('bench', '--help').stdout


def test_wrong_settings_fail_at_once_as_a_user_runs_them(tmp_path):
    "The console script: a setting that used to run silently (the undefended model back) fails in one line, at once."
    r = run('bench', '--set', 'netguard.steps=-1', '--out', str(tmp_path / 'out'))
    assert r.returncode == 1 and r.stderr.count('\n') == 1 and not (tmp_path / 'out').exists()
    assert (
        r.stderr == "netguard: error: --set netguard.steps=-1: NetGuard setting steps must be an integer >= 1; got -1\n"
    )


def test_bench_script_bad_setting_is_one_line(tmp_path):
    "A bench script as a developer runs it: an unknown setting is one line, before any model loads or file is written."
    bench = Path(__file__).parents[1] / 'bench' / 'api_attacks.py'
    cmd = [sys.executable, str(bench), '--presets', 'mnist5k', '--set', 'brep_mi.stesp=3', '--out', str(tmp_path / 'a')]
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    assert r.returncode == 1 and r.stderr.count('\n') == 1, r.stderr
    assert r.stderr.startswith("api_attacks.py: error: unknown brep_mi setting(s) ['stesp']; valid: ")
    assert not list(tmp_path.iterdir())


def test_no_command_is_a_usage_error():
    r = run()
    assert r.returncode == 2 and 'usage:' in r.stdout


def test_data_writes_grids(tmp_path):
    r = call('data', '--out', str(tmp_path), '--per-class', '2')
    assert r.returncode == 0, r.stderr
    assert 'private train 2,000 | private test 500 | public 2,500' in r.stdout
    for name in ('private_train.png', 'public.png'):
        assert (tmp_path / name).read_bytes()[:8] == b'\x89PNG\r\n\x1a\n'


def test_bad_input_is_one_plain_line():
    r = run('data', '--dataset', 'imagenet')
    assert r.returncode == 1
    assert r.stderr.strip().startswith("netguard: error: unknown dataset 'imagenet'; choose one of: mnist5k, ")
    assert '\n' not in r.stderr.strip() and 'folder' in r.stderr
    r = call('models', '--image-shape', '1', '28', '28')
    assert r.returncode == 1 and '32x32 or 64x64' in r.stderr
    r = call('data', '--seed', 'abc')
    assert r.returncode == 2 and "invalid int value: 'abc'" in r.stderr


def test_seeds_and_empty_paths_are_one_line_as_a_user_runs_them(tmp_path):
    "A seed out of range and an empty folder: one line each, before any work, and nothing written in the folder."
    r = run('train', '--seed', '99999999999999999999999', '--cache', str(tmp_path / 'c'))
    assert r.returncode == 1 and r.stderr == (
        'netguard: error: --seed must be an integer in 0..4294967295; got 99999999999999999999999\n'
    )
    assert not (tmp_path / 'c').exists()  # no cache folder, no stale .lock
    r = subprocess.run([NETGUARD, 'data', '--out', ''], capture_output=True, text=True, timeout=300, cwd=tmp_path)
    assert r.returncode == 1 and r.stderr == (
        'netguard: error: --out is an empty path; give a folder, e.g. --out ./out, or drop --out\n'
    )
    assert list(tmp_path.iterdir()) == []


def test_import_is_light():
    "`import netguard` loads no torch, no data and no model."
    code = "import sys, netguard; print(sorted(m for m in ('torch', 'mlxtend', 'matplotlib') if m in sys.modules))"
    r = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True, timeout=60)
    assert r.returncode == 0 and r.stdout.strip() == '[]'
