"""For each page of the course: its length as rendered, the figures it shows, its exported lines against its prose
words, and its study and compute time. The pages are built the nbdev way (its docs processors, then nbconvert's HTML,
as tests/test_browser.py does) and measured in headless Chromium (page height; `n/a` without a browser).

    python tools/chapter_facts.py            # writes bench/results/chapter_facts.txt and .json

Study time is the chapter card's (`netguard.course.study_minutes`: reading and exercises, from the page's length);
compute time comes from `bench/results/chapter_times.json` (`tools/run_notebooks.py`).
"""

import argparse
import json
import re
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / 'tests'))

from browser_util import browser_missing, process_for_docs, start_chrome, to_html  # noqa: E402
from test_pages import figures  # noqa: E402

from netguard.course import chapter_times, study_minutes  # noqa: E402
from netguard.report import write_result  # noqa: E402

PAGES = [
    *sorted((ROOT / 'nbs').glob('[0-9][0-9]*_*.ipynb')),
    *(ROOT / 'nbs' / n for n in ('core.ipynb', 'index.ipynb', 'instructor.ipynb')),
]


def counts(path: Path) -> dict:
    "Exported code lines, other code lines and prose words of a notebook."
    nb = json.loads(path.read_text())
    export = code = words = 0
    for c in nb['cells']:
        s = ''.join(c['source'])
        if c['cell_type'] == 'markdown':
            words += len(re.findall(r"[A-Za-z][A-Za-z'-]*", s))
        elif c['cell_type'] == 'code':
            lines = [x for x in s.splitlines() if x.strip() and not x.startswith('#|')]
            if re.search(r'^#\|\s*export', s, flags=re.M):
                export += len(lines)
            else:
                code += len(lines)
    study = study_minutes(path.name) if re.match(r'\d\d_', path.name) else None
    study = study and study['reading'] + study['exercises']
    return dict(export_lines=export, other_code_lines=code, prose_words=words, study_min=study)


# the screen (of the window's height, counted from 1) on which the page's second figure starts; null with fewer
SECOND_FIGURE = """
const imgs = [...document.querySelectorAll('img, svg')].filter(e => e.getBoundingClientRect().height > 40);
if (imgs.length < 2) return null;
return Math.floor((imgs[1].getBoundingClientRect().top + window.scrollY) / window.innerHeight) + 1;
"""


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--out', default=str(ROOT / 'bench' / 'results' / 'chapter_facts'), help='result file (no suffix)')
    args = ap.parse_args(argv)
    work = Path(tempfile.mkdtemp())
    summary = process_for_docs(PAGES, work / 'proc')
    driver = None if browser_missing() else start_chrome(work / 'profile', width=1200, height=900)
    rows = []
    for p in PAGES:
        rec = summary[p.name]
        row = dict(page=p.name, figures=figures(work / 'proc' / p.name), **counts(p))
        t = chapter_times(p.name, ROOT / 'bench' / 'results' / 'chapter_times.json')
        row.update(tested_s=t.get('tested'), all_s=t.get('all'), height_px=None, second_figure_screen=None)
        if driver is not None:
            page = to_html(work / 'proc' / p.name, rec['title'], rec['description'], work / 'html' / (p.stem + '.html'))
            driver.get(page.as_uri())
            row['height_px'] = driver.execute_script('return document.body.scrollHeight')
            row['second_figure_screen'] = driver.execute_script(SECOND_FIGURE)
        rows.append(row)
    if driver is not None:
        driver.quit()

    def show(v, f='{}'):
        return 'n/a' if v is None else f.format(v)

    head = f"{'page':18s} {'height px':>9s} {'figures':>7s} {'export lines':>12s} {'prose words':>11s} "
    head += f"{'study min':>9s} {'tested s':>8s} {'all s':>6s} {'2nd figure on screen':>20s}"
    lines = [head] + [
        f"{r['page']:18s} {show(r['height_px']):>9s} {r['figures']:7d} {r['export_lines']:12d} {r['prose_words']:11d} "
        f"{show(r['study_min']):>9s} {show(r['tested_s'], '{:.0f}'):>8s} {show(r['all_s'], '{:.0f}'):>6s} "
        f"{show(r['second_figure_screen']):>20s}"
        for r in rows
    ]
    print('\n'.join(lines))
    command = 'python tools/chapter_facts.py ' + ' '.join(sys.argv[1:] if argv is None else argv)
    write_result(Path(args.out), '\n'.join(lines), dict(rows=rows), command=command.strip())


if __name__ == '__main__':
    main()
