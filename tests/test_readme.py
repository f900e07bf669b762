"The README is the rendering of nbs/index.ipynb, and .ci/run runs exactly its test command."

import json
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DOCS = 'https://netguard-mia.github.io/netguard/'  # pyproject's Documentation URL
CPU_TORCH = 'pip install torch torchvision --index-url https://download.pytorch.org/whl/cpu'


def _sh_blocks(text):
    return [b.strip() for b in re.findall(r'```sh\n(.*?)```', text, re.S)]


def _markdown(name):
    nb = json.loads((ROOT / 'nbs' / name).read_text())
    return '\n'.join(''.join(c['source']) for c in nb['cells'] if c['cell_type'] == 'markdown')


def _the(blocks, what, keep):
    found = [b for b in blocks if keep(b)]
    assert len(found) == 1, f'the README must hold exactly one {what} in a ```sh block, found {len(found)}'
    return found[0]


def test_readme_matches_index():
    md = _markdown('index.ipynb')
    readme = (ROOT / 'README.md').read_text()
    assert _sh_blocks(md) == _sh_blocks(readme), (
        'README.md is stale: regenerate it with jupyter nbconvert --to markdown nbs/index.ipynb '
        '--TemplateExporter.exclude_input=True --output-dir . --output README, then point images at nbs/images/'
    )
    for line in md.splitlines():
        if line.startswith('#') or line.startswith('|'):
            assert line.replace('](images/', '](nbs/images/') in readme, f'README.md lacks: {line}'


def test_ci_runs_the_readme_test_command():
    blocks = _sh_blocks((ROOT / 'README.md').read_text())
    install = _the(blocks, 'demo command', lambda b: 'netguard demo' in b)
    test = _the(blocks, 'test command', lambda b: 'nbdev-test' in b)
    for one in (install, test):
        assert '\n' not in one, f'a command for a fresh machine is one line to copy:\n{one}'
    assert install.startswith('pip install ') and 'netguard ' in install
    clone, command = test.split(' && cd netguard && ', 1)
    assert clone.startswith('git clone ')
    ci = (ROOT / '.ci' / 'run').read_text().splitlines()
    assert command in ci, f'.ci/run does not run the README test command:\n{command}'


def test_readme_has_the_course_path():
    "Clone, CPU-only torch, the editable install with the dev tools, JupyterLab on nbs/."
    course = _the(_sh_blocks((ROOT / 'README.md').read_text()), 'course setup', lambda b: 'jupyter lab' in b)
    steps = course.splitlines()
    assert steps[0].startswith('git clone ') and steps[-1].strip() == 'jupyter lab nbs'
    assert any(s.startswith(CPU_TORCH) for s in steps)
    assert 'pip install -e ".[dev]"' in steps


def test_links_work_on_github_and_the_docs_site():
    "One rule for links in the README and the instructor guide: absolute URLs, chapters on the docs site."
    for name in ('index.ipynb', 'instructor.ipynb'):
        for url in re.findall(r'(?<!!)\[[^\]]*\]\(([^)\s]+)\)', _markdown(name)):
            assert url.startswith('https://'), f'{name}: relative link {url!r} breaks on GitHub or on the docs site'
            if url.endswith('.html'):
                assert url.startswith(DOCS), f'{name}: {url!r} is not a page of the docs site {DOCS}'
                page = url[len(DOCS) : -len('.html')]  # nbdev names a page after its notebook, less the number
                pages = {re.sub(r'^\d+_', '', p.stem) for p in (ROOT / 'nbs').glob('*.ipynb')}
                assert page in pages, f'{name}: {url!r} is no notebook of nbs/'
