"""The pages as nbdev builds them (its docs processors, what `nbdev-docs` and `nbdev-preview` run before Quarto): every
course chapter shows figures, because the notebooks are committed with the outputs of the cells the tests run
(`python tools/run_notebooks.py --skip slow net gpu --in-place`)."""

import json
import re
from pathlib import Path

import nbformat
import pytest
from browser_util import ROOT, process_for_docs

# the least number of figures each page must show: the chapters open with a picture from the shipped models, 03 and
# 04 show a still of their widget, 03 each attack's grid (its slow cells' outputs, committed from a run of every
# cell), 04 the decoy confusion and the fine-tuning's terms (small models), the attack before and after NetGuard, the
# decoys, the literal loss and the lam curve, 04_field a picture per defense and its sweep and frontier, 05 the
# grid's plot, 07 BREP-MI's reconstructions over HTTP
FIGURES = {
    '00_models.ipynb': 1,
    '01_data.ipynb': 5,
    '02_train.ipynb': 5,
    '03_invert.ipynb': 22,
    '04_defend.ipynb': 10,
    '04_field.ipynb': 7,
    '05_eval.ipynb': 3,
    '07_serve.ipynb': 1,
    'index.ipynb': 2,
}
IMAGE_TYPES = ('image/png', 'image/jpeg', 'image/svg+xml')


def figures(path: Path) -> int:
    "Figures on the page of a processed notebook: image outputs, and images that its Markdown shows."
    nb = nbformat.read(path, as_version=4)
    shown = 0
    for c in nb.cells:
        if c.cell_type == 'code':
            shown += sum(any(t in o.get('data', {}) for t in IMAGE_TYPES) for o in c.outputs)
        elif c.cell_type == 'markdown':
            shown += len(re.findall(r'!\[[^\]]*\]\([^)]+\)|<img\s', c.source))
    return shown


@pytest.fixture(scope='module')
def processed(docs_pages):
    return docs_pages


@pytest.mark.parametrize('nb', list(FIGURES))
def test_page_shows_its_figures(nb, processed):
    out, summary = processed
    assert summary[nb]['error'] is None, summary[nb]['error']
    n = figures(out / nb)
    assert n >= FIGURES[nb], (
        f'the {nb} page shows {n} figure(s), it should show at least {FIGURES[nb]}: commit the notebook with its '
        'outputs (python tools/run_notebooks.py nbs/' + nb + ' --skip slow net gpu --in-place)'
    )


def test_a_page_without_outputs_fails(tmp_path):
    "The check can fail: a chapter with its outputs cleared shows no figure once processed."
    nb = json.loads((ROOT / 'nbs' / '01_data.ipynb').read_text())
    for c in nb['cells']:
        if c['cell_type'] == 'code':
            c['outputs'] = []
    src = tmp_path / 'src' / '01_data.ipynb'
    src.parent.mkdir()
    src.write_text(json.dumps(nb))
    process_for_docs([src], tmp_path / 'proc')
    assert figures(tmp_path / 'proc' / '01_data.ipynb') < FIGURES['01_data.ipynb']


def test_instructor_page_shows_its_plans(processed):
    "The instructor guide's page shows the tables its hidden cells compute from bench/results/chapter_times.json."
    out, summary = processed
    assert summary['instructor.ipynb']['error'] is None, summary['instructor.ipynb']['error']
    nb = nbformat.read(out / 'instructor.ipynb', as_version=4)
    tables = [
        ''.join(o['data']['text/markdown'])
        for c in nb.cells
        if c.cell_type == 'code'
        for o in c.outputs
        if 'text/markdown' in o.get('data', {})
    ]
    plan = '| part | minutes | talk | exercises | discussion | run live | waits | shown from a run before class |'
    heads = [
        '| chapter | group | its `slow` cells show | cells | time |',
        plan,
        plan,
        '| chapter | reading | exercises, min | tested cells | `slow` cells | every cell |',
    ]
    assert [t.split('\n')[0] for t in tables] == heads
    assert all('by the pages\' length' in t for t in tables[1:3])  # each plan says what students read, and when
    assert all(re.search(r'\| \d+(\.\d)? (s|min) \|', t) for t in tables), tables  # each shows measured times
