"""Run the course notebooks top to bottom as a student would, time them, and keep their outputs.

    python tools/run_notebooks.py [NOTEBOOK ...] [--out DIR] [--in-place] [--skip net gpu] [--timeout 1800]
    python tools/run_notebooks.py --skip slow net gpu --in-place    # the outputs committed with the notebooks

Every code cell runs, the `slow` ones included (a student runs them too); cells flagged with one of `--skip` (by
default `net`, which needs the internet, and `gpu`) are left unrun. Widget state is stored in each executed notebook
(`metadata.widgets`), so the pages built from it show the widgets. Prints, and writes to `DIR/timings.json`, the
wall time of each notebook, of its slowest cells, and its number of exercises; the executed notebooks go to `DIR`
(or back in place with `--in-place`, then cleaned with `nbdev-clean`). A skipped cell keeps the outputs it has: the
committed outputs of `slow` cells come from a run of every cell, and a later `--skip slow` run leaves them.

The chapters' compute times go to `bench/results/chapter_times.json` (`--results`), which the chapters' opening
cells read (`netguard.course.chapter_card`): a run that skips `slow` cells records the `tested` time of each chapter,
one that runs them the `all` time, with each `slow` cell's time (the instructor guide's plans read them); each run
replaces only its own mode's times of the chapters it ran, as each chapter finishes.
"""

import argparse
import datetime
import json
import os
import re
import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[1]
CHAPTERS = [*sorted((ROOT / 'nbs').glob('[0-9][0-9]*_*.ipynb')), ROOT / 'nbs' / 'core.ipynb']
GUIDE = ROOT / 'nbs' / 'instructor.ipynb'  # run with the chapters (its tables read their times), but not timed as one


def flags(source: str) -> set:
    "The nbdev test flags of a cell (`#| slow`, `#| net` ...)."
    return {
        f for line in source.splitlines() if (m := re.match(r'\s*#\|\s*([\w ]+)\s*$', line)) for f in m.group(1).split()
    }


def exercises(nb) -> int:
    "Number of exercises: the numbered items of the notebook's '## Exercises' section."
    for c in nb.cells:
        if c.cell_type == 'markdown' and '## Exercises' in c.source:
            part = c.source.split('## Exercises', 1)[1]
            return len(re.findall(r'^\d+\.\s', part, flags=re.M))
    return 0


class Client(NotebookClient):
    """nbclient's client, leaving the flagged cells unrun: they keep the outputs the notebook holds (those of the last
    run of every cell), so a run that skips `slow` cells does not erase the figures of the slow ones."""

    skip: set = set()

    async def async_execute_cell(self, cell, cell_index, execution_count=None, store_history=True):
        if cell.cell_type == 'code' and flags(cell.source) & self.skip:
            return cell
        return await super().async_execute_cell(cell, cell_index, execution_count, store_history)


def head(source: str) -> str:
    "The first line of a cell's code, after its `#|` directives: how the instructor guide names a `slow` cell."
    return next((line for line in source.splitlines() if line.strip() and not line.startswith('#|')), '')[:100]


def seconds(cell) -> float:
    t = cell.get('metadata', {}).get('execution', {})
    a, b = t.get('iopub.execute_input'), t.get('shell.execute_reply')
    if not (a and b):
        return 0.0

    def iso(s):
        return datetime.datetime.fromisoformat(s.replace('Z', '+00:00'))

    return (iso(b) - iso(a)).total_seconds()


def shrink_images(nb, colors: int = 64):
    "Re-encode the notebook's PNG outputs with a palette of `colors` (about a third of the bytes for digit grids)."
    import base64
    import io

    from PIL import Image

    for c in nb.cells:
        for o in c.get('outputs', []):
            png = o.get('data', {}).get('image/png')
            if png:
                im = Image.open(io.BytesIO(base64.b64decode(png))).convert('RGB')
                buf = io.BytesIO()
                im.quantize(colors, method=Image.Quantize.MEDIANCUT).save(buf, 'PNG', optimize=True)
                if buf.tell() < len(png) * 3 // 4:
                    o['data']['image/png'] = base64.b64encode(buf.getvalue()).decode()


def refresh_card(path: Path, results: Path):
    "Set the output of `path`'s `chapter_card(...)` cell to what `chapter_card` says with `results` now."
    from netguard.course import chapter_card

    nb = nbformat.read(path, as_version=4)
    for c in nb.cells:
        if c.cell_type == 'code' and (m := re.search(r"chapter_card\('([^']+)'\)", c.source)):
            md = chapter_card(m.group(1), results).data
            c.outputs = [nbformat.v4.new_output('execute_result', {'text/markdown': md, 'text/plain': md})]
    nbformat.write(nb, path)
    from nbdev.clean import nbdev_clean

    nbdev_clean(fname=str(path))


def write_times(results: Path, rows: list, mode: str, argv=None):
    "Record each chapter's seconds under `mode` in `results`.json/.txt, keeping the other mode's and chapters' times."
    from netguard.report import write_result

    js = results.with_name(results.name + '.json')
    old = json.loads(js.read_text()) if js.exists() else {}
    modes = old.get('modes', {})
    command = ('python tools/run_notebooks.py ' + ' '.join(sys.argv[1:] if argv is None else argv)).strip()
    threads = int(os.environ.get('OMP_NUM_THREADS') or os.cpu_count())  # what torch in the kernels uses
    machine = f"{os.cpu_count()} CPU cores, {threads} thread{'s' * (threads > 1)}" + (
        f', {gpu}' if (gpu := _gpu()) else ''
    )
    chapters = {**modes.get(mode, {}).get('chapters', {})}  # each chapter keeps the command and machine it ran with
    for r in rows:
        chapters[r['notebook']] = dict(
            seconds=r['seconds'], slow_cells=r['slow_cells'], command=command, machine=machine
        )
        if mode == 'all':  # each slow cell's time, for the instructor guide's plans
            chapters[r['notebook']]['slow'] = r['slow']
    modes[mode] = dict(command=command, chapters=chapters)
    text = '\n'.join(
        f"{m:6s} {name:20s} {c['seconds']:8.1f} s"
        for m, r in sorted(modes.items())
        for name, c in r['chapters'].items()
    )
    write_result(results, f'machine: {machine}\n\n{text}', dict(machine=machine, modes=modes), command=command)


def _gpu() -> str:
    import torch

    return torch.cuda.get_device_name() if torch.cuda.is_available() else ''


def run(p: Path, args, out: Path) -> dict:
    "Execute notebook `p`, keep it (in place, or in `out`) and return its times."
    nb = nbformat.read(p, as_version=4)
    Client.skip = set(args.skip)
    client = Client(
        nb,
        timeout=args.timeout,
        kernel_name='python3',
        store_widget_state=True,
        record_timing=True,
        resources={'metadata': {'path': str(p.parent)}},
    )
    t = time.perf_counter()
    try:
        client.execute()
        error = None
    except Exception as e:  # keep timing the others; the failure is reported and makes the exit status 1
        error = f'{type(e).__name__}: {str(e)[-500:]}'
    wall = time.perf_counter() - t
    code = [c for c in nb.cells if c.cell_type == 'code']
    slow = [c for c in code if 'slow' in flags(c.source)]
    top = sorted(((seconds(c), i) for i, c in enumerate(nb.cells) if c.cell_type == 'code'), reverse=True)[:3]
    keep = args.in_place and error is None  # a failed run leaves the committed notebook as it was
    if keep:
        shrink_images(nb)
    nbformat.write(nb, p if keep else out / p.name)
    if keep:
        from nbdev.clean import nbdev_clean

        nbdev_clean(fname=str(p))
    return dict(
        notebook=p.name,
        seconds=round(wall, 1),
        slow_cells=len(slow),
        slow_seconds=round(sum(map(seconds, slow)), 1),
        skipped=sum(bool(flags(c.source) & Client.skip) for c in code),
        exercises=exercises(nb),
        slowest_cells=[dict(cell=i, seconds=round(s, 1)) for s, i in top],
        slow=[dict(code=head(c.source), seconds=round(seconds(c), 1)) for c in slow],
        error=error,
    )


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument(
        'notebooks', nargs='*', help='default: every chapter (nbs/00_*.ipynb ... nbs/06_*.ipynb, core) and the guide'
    )
    ap.add_argument('--out', default='nb_runs', help='folder for the executed notebooks and timings.json')
    ap.add_argument('--in-place', action='store_true', help='write the executed notebooks over the sources')
    ap.add_argument('--skip', nargs='*', default=['net', 'gpu'], help='flags of cells to leave unrun')
    ap.add_argument('--timeout', type=int, default=1800, help='seconds one cell may take')
    ap.add_argument(
        '--results',
        default=str(ROOT / 'bench' / 'results' / 'chapter_times'),
        help="where the chapters' times go (.json and .txt); '' for nowhere (default: bench/results/chapter_times)",
    )
    args = ap.parse_args(argv)
    paths = [Path(p) for p in args.notebooks] or [*CHAPTERS, GUIDE]
    os.environ.setdefault('NETGUARD_QUIET', '1')  # no progress bars in the kept outputs
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    rows = []
    for p in paths:
        row = run(p, args, out)
        rows.append(row)
        print(
            f"{p.name:20s} {row['seconds']:7.1f} s  (slow cells {row['slow_seconds']:.0f} s)  "
            f"exercises {row['exercises']}" + (f"  FAILED: {row['error']}" if row['error'] else ''),
            flush=True,
        )
        if args.results and p.resolve() in CHAPTERS and not row['error']:  # only the course's times, as they come
            results = Path(args.results)
            write_times(results, [row], mode='tested' if 'slow' in args.skip else 'all', argv=argv)
            if args.in_place:  # the opening card shows the time just measured
                refresh_card(p, results.with_name(results.name + '.json'))
    total = sum(r['seconds'] for r in rows)
    print(f"{'all':20s} {total:7.1f} s = {total / 60:.1f} min")
    (out / 'timings.json').write_text(json.dumps(dict(rows=rows, total_seconds=round(total, 1)), indent=1))
    return 1 if any(r['error'] for r in rows) else 0


if __name__ == '__main__':
    sys.exit(main())
