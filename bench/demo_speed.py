"""How long `netguard demo`, one NetGuard defense and NetGuard protecting all five take: before and after, one process.

    python bench/demo_speed.py                       # every part (about 15 minutes on 2 idle CPU cores)
    python bench/demo_speed.py --parts demo step     # some of them

Before: NetGuard at `FULL_SIZE` (256 fakes, 64 anchors, 200 inversion steps) fine-tuning a contiguous copy
(`MEMORY_FORMAT = torch.contiguous_format`); after: NetGuard's defaults (128, 32, 100) on a channels-last copy. The
parts, each run before, then after:
- demo: `netguard demo` as the command line runs it (`cli.main`), from an empty cache folder, so loading the shipped
  weights counts; its NetGuard defense is the "one defense" of the table (its seconds from the demo's metrics.json);
- all5: NetGuard protecting the five private digits (`netguard(...)`), the shipped model seed 0;
- step: a NetGuard fine-tuning step in either layout (best of 3 x 20 steps, taking turns).
The goals on 2 CPU cores: the demo <= 90 s, one defense <= 45 s, all five <= 120 s. Writes OUT.txt and OUT.json.
"""

import argparse
import os
import tempfile
import time
from pathlib import Path

os.environ.setdefault('NETGUARD_QUIET', '1')  # no progress bars in the timings

import torch  # noqa: E402

import netguard.defend as nd  # noqa: E402
from netguard import cli  # noqa: E402
from netguard.cli import run_script  # noqa: E402
from netguard.report import command_line, read_result, write_result  # noqa: E402
from netguard.train import get_preset, pretrained  # noqa: E402

GOALS = {'demo': 90, 'one defense': 45, 'all five': 120}
BEFORE = dict(nd.FULL_SIZE, memory_format=torch.contiguous_format)
LAYOUT = nd.MEMORY_FORMAT  # the package's, put back at the end
AFTER = dict(memory_format=LAYOUT)


def set_layout(memory_format):
    "The layout of the copy NetGuard fine-tunes (`netguard.defend.MEMORY_FORMAT`)."
    nd.MEMORY_FORMAT = memory_format


def use(way: dict) -> dict:
    "Set `way`'s layout; returns its NetGuard settings (the sizes)."
    set_layout(way['memory_format'])
    return {k: v for k, v in way.items() if k != 'memory_format'}


def run_demo(way: dict, device: str = 'cpu') -> dict:
    "`netguard demo` in a fresh output and cache folder: seconds of the whole command, of its defense and attacks."
    sizes = use(way)
    with tempfile.TemporaryDirectory() as tmp:
        argv = ['demo', '--out', f'{tmp}/out', '--cache', f'{tmp}/cache', '--device', device]
        argv += ['--set', *(f'netguard.{k}={v}' for k, v in sizes.items())] if sizes else []
        t0 = time.perf_counter()
        code = cli.main(argv)
        seconds = time.perf_counter() - t0
        rows = read_result(f'{tmp}/out/metrics.json')['rows']
    if code:
        raise RuntimeError(f'netguard demo exited with {code}')
    ng = next(r for r in rows if r['defense'] == 'netguard')
    return dict(demo=seconds, defense=ng['defense_seconds'], attacks=sum(r['attack_seconds'] for r in rows))


def run_all5(way: dict, device: str = 'cpu') -> float:
    "Seconds of NetGuard protecting every private digit of the shipped model seed 0."
    sizes = use(way)
    P = get_preset('mnist5k')
    split = P.split(0)
    target, public, gan = (pretrained(P, r, 0, device) for r in ('target', 'public', 'gan'))
    t0 = time.perf_counter()
    nd.netguard(target, public, gan, split.private_train, split.public, list(range(split.num_private)), seed=0,
                decoy_classes=split.public_only, progress=False, device=device, **sizes)  # fmt: skip
    return time.perf_counter() - t0


def step_seconds(device: str = 'cpu', reps: int = 3, steps: int = 20) -> dict:
    "Seconds of a NetGuard fine-tuning step on a contiguous and a channels-last copy (best of `reps`, taking turns)."
    P = get_preset('mnist5k')
    split = P.split(0)
    target, public, (G, D) = (pretrained(P, r, 0, device) for r in ('target', 'public', 'gan'))
    small = nd.NetGuardConfig(n_fake=64, anchor_others=16, invert_steps=5)  # the default's batches, a quick setup
    trainers = {}
    for fmt in (torch.contiguous_format, torch.channels_last):
        set_layout(fmt)
        trainers[fmt] = nd.NetGuardTrainer(
            target, public, G, D, split.private_train, split.public, [0], small, seed=0, device=device
        )
        trainers[fmt].setup().step(2)  # warm-up
    best = {fmt: float('inf') for fmt in trainers}
    for _ in range(reps):
        for fmt, tr in trainers.items():
            tr.reset()
            t0 = time.perf_counter()
            tr.step(steps)
            best[fmt] = min(best[fmt], (time.perf_counter() - t0) / steps)
    return {'contiguous': best[torch.contiguous_format], 'channels-last': best[torch.channels_last]}


def start_seconds() -> float:
    "Seconds for a new Python process to import what `netguard demo` imports (not in the in-process timings)."
    import subprocess
    import sys

    t0 = time.perf_counter()
    subprocess.run([sys.executable, '-c', 'import netguard.cli, netguard.harness, netguard.field'], check=True)
    return time.perf_counter() - t0


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--parts', nargs='+', choices=['demo', 'all5', 'step'], default=['demo', 'all5', 'step'])
    ap.add_argument('--threads', type=int, default=2)
    ap.add_argument('--device', default='cpu', help='cpu or cuda (bench/gpu.sh runs it on the GPU)')
    ap.add_argument('--out', default=str(Path(__file__).parent / 'results' / 'demo_speed'), help='writes OUT.txt/.json')
    args = ap.parse_args(argv)
    torch.set_num_threads(args.threads)
    data, rows = {}, []
    try:
        if 'demo' in args.parts:
            data['start'] = start_seconds()
            data['demo'] = {way: run_demo(cfg, args.device) for way, cfg in (('before', BEFORE), ('after', AFTER))}
            d = data['demo']
            for key, name, goal in (('demo', 'netguard demo', 'demo'), ('defense', 'one defense', 'one defense')):
                rows.append((name, d['before'][key], d['after'][key], GOALS[goal]))
            rows.append(('the demo\'s two attacks', d['before']['attacks'], d['after']['attacks'], None))
        if 'all5' in args.parts:
            data['all5'] = {way: run_all5(cfg, args.device) for way, cfg in (('before', BEFORE), ('after', AFTER))}
            rows.append(
                ('NetGuard protecting all five', data['all5']['before'], data['all5']['after'], GOALS['all five'])
            )
        if 'step' in args.parts:
            s = data['step'] = step_seconds(args.device)
            rows.append(
                ('one fine-tuning step (contiguous -> channels-last)', s['contiguous'], s['channels-last'], None)
            )
    finally:
        set_layout(LAYOUT)
    lines = [
        f'mnist5k, shipped models of model seed 0, {args.device}, {torch.get_num_threads()} threads; before: NetGuard '
        'at FULL_SIZE on a contiguous copy; after: the defaults on a channels-last copy',
        '',
        '| part | before s | after s | ratio before / after | goal s |',
        '|---|---|---|---|---|',
    ]
    for name, b, a, goal in rows:
        lines.append(f"| {name} | {b:.3f} | {a:.3f} | {b / a:.2f} | {'-' if goal is None else goal} |")
    if 'start' in data:
        lines.append(
            f"\nA new process's start (Python and the imports), not in the demo's seconds: {data['start']:.1f} s"
        )
    text = '\n'.join(lines)
    print(text)
    write_result(args.out, text, data, command_line(__file__, argv))


if __name__ == '__main__':
    run_script(main)
