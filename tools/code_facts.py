"""Print facts about the library's code that anyone can recompute: the largest functions and classes, the largest
`#| export` cell of each notebook, the lines over ruff's line length, and the library's size.

    python tools/code_facts.py [--root DIR] [--top 10] [--line-length N]

Functions and classes come from `ast` over netguard/*.py (netguard/_modidx.py, nbdev's symbol index, is skipped); their
size is `end_lineno - lineno + 1` (decorators left out), methods and nested functions counted on their own under a
dotted name. Notebook cells are read as JSON from nbs/*.ipynb; only code cells count. The line length is ruff's
`line-length` in pyproject.toml (120 if it is missing).
"""

import argparse
import ast
import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SKIP = {'_modidx.py'}
EXPORT = re.compile(r'^\s*#\s*\|\s*export[si]?\b')


def line_length(root: Path) -> int:
    "ruff's `line-length` from the `[tool.ruff]` table of `root/pyproject.toml`; 120 without one."
    p = root / 'pyproject.toml'
    if p.exists():
        m = re.search(r'^\[tool\.ruff\]\s*$(.*?)^\[', p.read_text() + '\n[', flags=re.M | re.S)
        if m and (n := re.search(r'^line-length\s*=\s*(\d+)', m.group(1), flags=re.M)):
            return int(n.group(1))
    return 120


def modules(root: Path) -> list[Path]:
    "The library's modules: netguard/*.py less nbdev's index."
    return sorted(p for p in (root / 'netguard').glob('*.py') if p.name not in SKIP)


def definitions(path: Path) -> tuple[list, list]:
    "(functions, classes) of the module at `path`, each a list of (lines, dotted name, module)."
    funcs, classes = [], []

    def walk(node, prefix):
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                name = prefix + child.name
                row = (child.end_lineno - child.lineno + 1, name, path.stem)
                (classes if isinstance(child, ast.ClassDef) else funcs).append(row)
                walk(child, name + '.')
            else:
                walk(child, prefix)

    walk(ast.parse(path.read_text(), filename=str(path)), '')
    return funcs, classes


def cells(nb: Path) -> list[dict]:
    "The code cells of notebook `nb`, each with its source as one string."
    data = json.loads(nb.read_text())
    out = []
    for c in data['cells']:
        if c['cell_type'] == 'code':
            src = c['source'] if isinstance(c['source'], str) else ''.join(c['source'])
            out.append(dict(id=c.get('id', '?'), source=src))
    return out


def is_export(src: str) -> bool:
    "The cell carries an nbdev `#| export` (or exports / exporti) directive among its leading comment lines."
    for line in src.splitlines():
        if not line.strip():
            continue
        if not line.lstrip().startswith('#'):
            return False
        if EXPORT.match(line):
            return True
    return False


def first_name(src: str) -> str:
    "The first function or class a cell defines ('' if none)."
    m = re.search(r'^(?:async\s+)?(?:def|class)\s+(\w+)', src, flags=re.M)
    return m.group(1) if m else ''


def long_lines(lines, limit: int) -> int:
    return sum(len(line) > limit for line in lines)


def table(rows, top: int) -> list[str]:
    return [f'  {n:5d}  {mod}.{name}' for n, name, mod in sorted(rows, key=lambda r: (-r[0], r[2], r[1]))[:top]]


def facts(root: Path, top: int = 10, limit: int | None = None) -> list[str]:
    "The report, as lines of text."
    limit = limit or line_length(root)
    mods = modules(root)
    funcs, classes = [], []
    for p in mods:
        f, c = definitions(p)
        funcs += f
        classes += c
    out = []
    sizes = {p.name: len(p.read_text().splitlines()) for p in mods}
    out.append(f'library: {sum(sizes.values())} lines in {len(mods)} modules of netguard/ (without {", ".join(SKIP)})')
    out += [f'  {n:5d}  netguard/{name}' for name, n in sizes.items()]
    for what, rows in (('function', funcs), ('class', classes)):
        if rows:
            n, name, mod = max(rows, key=lambda r: r[0])
            out.append(f'largest {what}: {mod}.{name}, {n} lines; top {top} of {len(rows)}:')
            out += table(rows, top)
    out.append('largest #| export cell per notebook (lines, cell id, first def/class):')
    nbs = sorted((root / 'nbs').glob('*.ipynb'))
    for nb in nbs:
        exp = [c for c in cells(nb) if is_export(c['source'])]
        if exp:
            c = max(exp, key=lambda c: len(c['source'].splitlines()))
            n = len(c['source'].splitlines())
            name = first_name(c['source']) or '(no def)'
            out.append(f'  {n:5d}  {nb.name} #{c["id"]} {name} ({len(exp)} export cells)')
    out.append(f'lines over {limit} characters:')
    total = 0
    for p in mods:
        n = long_lines(p.read_text().splitlines(), limit)
        total += n
        out.append(f'  {n:5d}  netguard/{p.name}')
    out.append(f'  {total:5d}  netguard/ in all')
    total = 0
    for nb in nbs:
        n = sum(long_lines(c['source'].splitlines(), limit) for c in cells(nb))
        total += n
        out.append(f'  {n:5d}  nbs/{nb.name} (code cells)')
    out.append(f'  {total:5d}  nbs/ in all')
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split('\n\n')[0], formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument('--root', type=Path, default=ROOT, help='the project folder (default: this checkout)')
    ap.add_argument('--top', type=int, default=10, help='how many of the largest functions and classes to list')
    ap.add_argument('--line-length', type=int, default=None, help="default: ruff's line-length in pyproject.toml")
    args = ap.parse_args(argv)
    if not (args.root / 'netguard').is_dir():
        print(f'code_facts: no netguard/ folder in {args.root}', file=sys.stderr)
        return 1
    print('\n'.join(facts(args.root, args.top, args.line_length)))
    return 0


if __name__ == '__main__':
    sys.exit(main())
