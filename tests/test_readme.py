"The README is the rendering of nbs/index.ipynb, and .ci/run runs exactly its test command."

import json
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _sh_blocks(text):
    return [b.strip() for b in re.findall(r'```sh\n(.*?)```', text, re.S)]


def test_readme_matches_index():
    nb = json.loads((ROOT / 'nbs' / 'index.ipynb').read_text())
    md = '\n'.join(''.join(c['source']) for c in nb['cells'] if c['cell_type'] == 'markdown')
    readme = (ROOT / 'README.md').read_text()
    assert _sh_blocks(md) == _sh_blocks(readme), (
        'README.md is stale: regenerate it with jupyter nbconvert --to markdown nbs/index.ipynb '
        '--TemplateExporter.exclude_input=True --output-dir . --output README, then point images at nbs/images/'
    )
    for line in md.splitlines():
        if line.startswith('#') or line.startswith('|'):
            assert line.replace('](images/', '](nbs/images/') in readme, f'README.md lacks: {line}'


def test_ci_runs_the_readme_test_command():
    install, test = _sh_blocks((ROOT / 'README.md').read_text())
    assert install.startswith('pip install ') and 'netguard ' in install
    clone, command = test.split(' && cd netguard && ', 1)
    assert clone.startswith('git clone ')
    ci = (ROOT / '.ci' / 'run').read_text().splitlines()
    assert command in ci, f'.ci/run does not run the README test command:\n{command}'
