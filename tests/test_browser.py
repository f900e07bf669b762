"""Browser tests: the two course widgets driven in real JupyterLab by headless Chromium, and the docs pages rendered.

Skipped (with the reason) without Chromium + chromedriver: `bash tools/install_browser.sh` installs them on Debian.
Overrides: NETGUARD_CHROMEDRIVER (default /usr/bin/chromedriver; point it at a missing file to see the skip),
NETGUARD_CHROMIUM (the browser binary), NETGUARD_ARTIFACTS (screenshots; default tests/artifacts/, git-ignored)."""

import shutil
import time
from pathlib import Path

import pytest
from browser_util import (
    ARTIFACTS,
    ROOT,
    JupyterLab,
    browser_missing,
    button,
    click,
    find_widget,
    image_digests,
    open_and_run_all,
    process_for_docs,
    screenshot,
    severe_console,
    slider_handle,
    start_chrome,
    step_number,
    to_html,
    wait_for,
)

MISSING = browser_missing()
pytestmark = [pytest.mark.browser, pytest.mark.skipif(MISSING is not None, reason=f'browser tests: {MISSING}')]

# ------------------------------------------------------------------ two small notebooks, one widget each, tiny models

SETUP = """\
import torch; torch.set_num_threads(1)
import ipywidgets as W
from IPython.display import display
from netguard.data import mnist5k
from netguard.models import build
from netguard.train import train_classifier, train_gan
split = mnist5k(seed=0)
torch.manual_seed(0)
T = build('cnn', 5, (1, 32, 32), width=8); train_classifier(T, split.private_train, epochs=1, device='cpu')
G = build('generator', image_shape=(1, 32, 32), width=8); D = build('discriminator', image_shape=(1, 32, 32), width=8)
train_gan(G, D, split.public, steps=20, loss='dcgan', device='cpu', sample_every=0);"""

# `probe` shows the library object's value of a slider's setting: proof that a browser-side move reached the kernel.
# Each notebook is one code cell, the setup and the widget together: under load, JupyterLab can run only the selected
# (last) cell of a Run All, and a widget cell without its setup then fails with a NameError that tests nothing.
# The z-stepper runs on the shipped mnist5k models, as in the chapter: they load in seconds and show digits from step 0.
ZSTEPPER = [
    """\
import torch; torch.set_num_threads(1)
import ipywidgets as W
from IPython.display import display
from netguard.data import mnist5k
from netguard.train import pretrained
from netguard.invert import ZStepper
from netguard.widgets import z_stepper_widget
target, gan = pretrained('mnist5k', 'target', device='cpu'), pretrained('mnist5k', 'gan', device='cpu')
stepper = ZStepper(target, *gan, labels=range(5), n=3, loss='max_margin')
w = z_stepper_widget(stepper, names=mnist5k(seed=0).private_names, steps_per_click=3)
w.add_class('ng-under-test')
probe = W.HTML(f'probe lam={stepper.lam:g}'); probe.add_class('ng-probe')
w.controls['lam'].observe(lambda change: setattr(probe, 'value', f'probe lam={stepper.lam:g}'), 'value')
display(w, probe)""",
]

NETGUARD = [
    """\
import torch; torch.set_num_threads(1)
import ipywidgets as W
from IPython.display import display
from netguard.widgets import netguard_widget, shipped_trainer
tr, split = shipped_trainer('mnist5k', [0])  # the shipped models, with the widget's light setup: ready in seconds
w = netguard_widget(
    tr, split.private_test, names=split.private_names, public_names=split.public_names, steps_per_click=3, probe_n=4,
    probe_steps=40,
)
w.add_class('ng-under-test')
probe = W.HTML(f'probe alpha={tr.cfg.alpha:g}'); probe.add_class('ng-probe')
w.controls['alpha'].observe(lambda change: setattr(probe, 'value', f'probe alpha={tr.cfg.alpha:g}'), 'value')
display(w, probe)""",
]


def write_notebook(path: Path, title: str, cells):
    import nbformat

    nb = nbformat.v4.new_notebook()
    nb.metadata['kernelspec'] = dict(name='python3', display_name='Python 3', language='python')
    nb.cells = [nbformat.v4.new_markdown_cell(f'# {title}')] + [nbformat.v4.new_code_cell(c) for c in cells]
    nbformat.write(nb, path)


# ------------------------------------------------------------------ fixtures: always shut down


@pytest.fixture(scope='module')
def workdir(tmp_path_factory):
    return tmp_path_factory.mktemp('browser')


@pytest.fixture(scope='module')
def driver(workdir):
    d = start_chrome(workdir / 'chrome-profile')
    try:
        yield d
    finally:
        d.quit()
        shutil.rmtree(workdir / 'chrome-profile', ignore_errors=True)


@pytest.fixture(scope='module')
def lab(workdir):
    root = workdir / 'notebooks'
    root.mkdir()
    write_notebook(root / 'zstepper.ipynb', 'z-stepper widget', ZSTEPPER)
    write_notebook(root / 'netguard.ipynb', 'NetGuard fine-tuning widget', NETGUARD)
    server = JupyterLab(root, workdir / 'lab')
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope='module')
def running(driver, lab, artifacts):
    """Both notebooks opened in JupyterLab, each in a browser tab of its own, and Run All Cells started in each: the
    two kernels build their tiny models at the same time. Returns {notebook: (window handle, seconds to start)}."""
    tabs = {}
    for i, nb in enumerate(['zstepper.ipynb', 'netguard.ipynb']):
        if i:
            driver.switch_to.new_window('tab')
        t0 = time.monotonic()
        try:
            open_and_run_all(driver, lab, nb)
        except BaseException:
            driver.save_screenshot(str(artifacts / f'{Path(nb).stem}_open_failure.png'))
            print(f'\nfailure screenshot: {artifacts / f"{Path(nb).stem}_open_failure.png"}\n{lab.log_tail()}')
            raise
        tabs[nb] = driver.current_window_handle, time.monotonic() - t0
    return tabs


@pytest.fixture(scope='module')
def artifacts():
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS


# ------------------------------------------------------------------ (A) the widgets in JupyterLab


def _probe_text(driver):
    from selenium.webdriver.common.by import By

    return ' '.join(e.text for e in driver.find_elements(By.CSS_SELECTOR, '.ng-probe'))


def _settled_step(widget, timeout, quiet=2.0):
    "The step number once it has not changed for `quiet` seconds (messages still queued in the kernel drain first)."
    end, last, since = time.monotonic() + timeout, None, time.monotonic()
    while time.monotonic() < end:
        n = step_number(widget)
        if n != last:
            last, since = n, time.monotonic()
        elif time.monotonic() - since >= quiet:
            return n
        time.sleep(0.25)
    raise TimeoutError(f'the step number kept changing for {timeout} s (last {last})')


def exercise_widget(driver, lab, artifacts, tab, prefix, slider, slider_before, play):
    "Run `exercise` in the browser tab `tab`; on a failure, a screenshot of the window and the end of JupyterLab's log."
    driver.switch_to.window(tab)
    try:
        return exercise(driver, lab, artifacts, prefix, slider, slider_before, play)
    except BaseException:
        path = artifacts / f'{prefix}_failure.png'
        try:
            driver.save_screenshot(str(path))
            print(f'\nfailure screenshot: {path}')
        except Exception as ex:
            print(f'\nno failure screenshot: {ex!r}')
        print(f'JupyterLab log (end):\n{lab.log_tail()}')
        raise


def exercise(driver, lab, artifacts, prefix, slider, slider_before, play):
    "Wait for the widget of the notebook in this tab, then step, move `slider`, play and reset it; check what changes."
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    t0 = time.monotonic()
    w = find_widget(driver, 'ng-under-test', timeout=240)  # two kernels train tiny models at once on 2 cores
    t_render = time.monotonic() - t0
    assert step_number(w) == 0, w.text
    before = image_digests(driver, w)
    assert before and all(not d.startswith('error') and int(d.split(':')[0]) > 100 for d in before), before
    shots = [screenshot(driver, w, artifacts / f'{prefix}_before.png')]

    # the step button: the images and the step number change
    click(button(w, 'step x3'))
    wait_for(lambda: step_number(w) == 3, 120, "'step 3' after clicking 'step x3'")
    after = image_digests(driver, w)
    assert after[0] != before[0], 'the image did not change after a step'
    shots.append(screenshot(driver, w, artifacts / f'{prefix}_after_step.png'))

    # a slider, moved in the browser with the keyboard, changes the setting of the library object in the kernel
    handle, readout = slider_handle(w, slider)
    driver.execute_script('arguments[0].scrollIntoView({block: "center"});', handle)
    assert _probe_text(driver) == f'probe {slider_before}', _probe_text(driver)
    click(handle)
    handle.send_keys(Keys.ARROW_RIGHT)
    moved = wait_for(
        lambda: (t := _probe_text(driver)) != f'probe {slider_before}' and t.startswith('probe ') and t,
        20,
        f'the {slider} slider to reach the kernel',
    )
    assert float(moved.split('=')[1]) > float(slider_before.split('=')[1]), (moved, readout.text)

    # play: a few ticks, then pause; every tick is one click of 'step x3'
    if play:
        play_pause = w.find_elements(By.CSS_SELECTOR, '.widget-play button')[0]  # then stop, repeat
        click(play_pause)
        wait_for(lambda: (step_number(w) or 0) >= 9, 60, 'play to take steps')
        click(play_pause)
        n = _settled_step(w, 60)
        assert n >= 9 and n % 3 == 0, n
        shots.append(screenshot(driver, w, artifacts / f'{prefix}_after_play.png'))

    # reset: back to step 0 and the first image
    click(button(w, 'reset'))
    wait_for(lambda: step_number(w) == 0, 60, "'step 0' after reset")
    wait_for(lambda: image_digests(driver, w)[0] == before[0], 30, 'the first image after reset')
    errors, blocked = severe_console(driver)
    print(
        f'\n{prefix}: widget there after {t_render:.1f} s of this test; slider {slider}: {moved!r}; '
        f'{time.monotonic() - t0:.1f} s; screenshots:\n  ' + '\n  '.join(map(str, shots))
    )
    return errors, blocked


def test_z_stepper_widget_in_jupyterlab(driver, lab, running, artifacts):
    tab, t_open = running['zstepper.ipynb']
    errors, blocked = exercise_widget(driver, lab, artifacts, tab, 'zstepper', 'lam', 'lam=100', play=True)
    print(f'opening + Run All: {t_open:.1f} s; console: {len(blocked)} blocked external loads', *blocked, sep='\n  ')
    assert not errors, 'SEVERE browser console entries:\n' + '\n'.join(errors)


def test_netguard_widget_in_jupyterlab(driver, lab, running, artifacts):
    tab, t_open = running['netguard.ipynb']
    errors, blocked = exercise_widget(driver, lab, artifacts, tab, 'netguard', 'alpha', 'alpha=1', play=True)
    print(f'opening + Run All: {t_open:.1f} s; console: {len(blocked)} blocked external loads', *blocked, sep='\n  ')
    assert not errors, 'SEVERE browser console entries:\n' + '\n'.join(errors)
    lab.shutdown_kernels()


# ------------------------------------------------------------------ (B) the docs pages: nbdev's processing + nbconvert

NOTEBOOKS = sorted((ROOT / 'nbs').glob('*.ipynb'))


@pytest.fixture(scope='module')
def docs_tab(driver):
    "A browser tab of its own for the docs pages (the JupyterLab tabs stay as they are)."
    driver.switch_to.new_window('tab')
    return driver.current_window_handle


@pytest.fixture(scope='module')
def processed(docs_pages):
    return docs_pages


@pytest.mark.parametrize('nb', [p.name for p in NOTEBOOKS])
def test_docs_page_renders(nb, processed, driver, docs_tab, artifacts):
    "nbdev's docs processing of `nb` works, and nbconvert's page of the result loads without errors in Chromium."
    from selenium.webdriver.common.by import By

    driver.switch_to.window(docs_tab)
    out, summary = processed
    rec = summary[nb]
    assert rec['error'] is None, f"nbdev's docs processing failed on {nb}:\n{rec['error']}"
    if rec['flagged_exec']:
        cells = '; '.join(f"the {'/'.join(c['flags'])} cell '{c['first_line']}'" for c in rec['flagged_exec'])
        import warnings

        warnings.warn(
            f"{nb}: nbdev's docs build (nbdev-docs / nbdev-proc-nbs) would execute {cells}: flagged cells with an "
            "import; this check skipped them. '#| eval: false' or moving the import keeps the docs build from "
            "running them."
        )
    assert rec['title'], f'{nb} has no title (a first markdown cell "# Title")'
    page = to_html(out / nb, rec['title'], rec['description'], out / 'html' / nb.replace('.ipynb', '.html'))
    severe_console(driver)  # drop what earlier pages logged
    driver.get(page.as_uri())
    wait_for(lambda: driver.execute_script('return document.readyState') == 'complete', 30, f'{page.name} to load')
    assert driver.title == rec['title'], (driver.title, rec['title'])
    body = driver.find_element(By.TAG_NAME, 'body').text
    assert rec['title'] in body and len(body) > 200, body[:500]
    assert 'Traceback' not in body, body[body.index('Traceback') - 500 :][:3000]
    assert not driver.find_elements(By.CSS_SELECTOR, '[data-mime-type="application/vnd.jupyter.error"]')
    errors, blocked = severe_console(driver)
    assert not errors, f'JavaScript errors on {page.name}:\n' + '\n'.join(errors)
    driver.save_screenshot(str(artifacts / f'docs_{nb.replace(".ipynb", "")}.png'))  # the page's first screen
    print(
        f'\n{nb}: {rec["title"]!r}, {len(body)} chars of text; CDN resources not loaded (offline by design): '
        f'{len(blocked)}'
    )


def test_widget_state_reaches_the_docs(workdir, driver, docs_tab, artifacts):
    """The docs workflow executes the notebooks with `tools/run_notebooks.py` before `nbdev-docs`: the widget state it
    stores survives nbdev's docs processing and is embedded in the page, for every widget the page displays."""
    import json
    import re

    import nbformat
    from selenium.webdriver.common.by import By

    sys_path = str(ROOT / 'tools')
    import sys

    if sys_path not in sys.path:
        sys.path.insert(0, sys_path)
    from run_notebooks import main as run_notebooks

    src = workdir / 'docs_widgets'
    src.mkdir(exist_ok=True)
    write_notebook(src / 'zstepper_docs.ipynb', 'z-stepper widget in the docs', ZSTEPPER)
    assert run_notebooks([str(src / 'zstepper_docs.ipynb'), '--out', str(workdir / 'docs_run')]) == 0
    executed = workdir / 'docs_run' / 'zstepper_docs.ipynb'

    def views(nb):
        return {
            o['data']['application/vnd.jupyter.widget-view+json']['model_id']
            for c in nb.cells
            if c.cell_type == 'code'
            for o in c.get('outputs', [])
            if 'application/vnd.jupyter.widget-view+json' in o.get('data', {})
        }

    nb = nbformat.read(executed, as_version=4)
    shown = views(nb)
    assert len(shown) >= 2, 'the executed notebook shows the widget and its probe'
    summary = process_for_docs([executed], workdir / 'docs_proc')
    rec = summary['zstepper_docs.ipynb']
    assert rec['error'] is None, rec['error']
    proc = nbformat.read(workdir / 'docs_proc' / 'zstepper_docs.ipynb', as_version=4)
    state = proc.metadata['widgets']['application/vnd.jupyter.widget-state+json']['state']
    assert views(proc) == shown and shown <= set(state), (
        'every displayed widget has its state in the processed notebook'
    )
    # the whole widget tree is there: every model a shown widget refers to (children, layouts, images) has its state
    refs = set(re.findall(r'IPY_MODEL_([0-9a-f]{32})', json.dumps(state)))
    assert refs <= set(state), f'{len(refs - set(state))} referenced widget models have no saved state'
    page = to_html(
        workdir / 'docs_proc' / 'zstepper_docs.ipynb',
        rec['title'],
        rec['description'],
        workdir / 'docs_proc' / 'zstepper_docs.html',
    )
    html = page.read_text()
    assert 'application/vnd.jupyter.widget-state+json' in html and all(m in html for m in shown)
    driver.switch_to.window(docs_tab)
    severe_console(driver)
    driver.get(page.as_uri())
    wait_for(lambda: driver.execute_script('return document.readyState') == 'complete', 30, f'{page.name} to load')
    embedded = driver.find_elements(By.CSS_SELECTOR, 'script[type="application/vnd.jupyter.widget-state+json"]')
    assert embedded and set(json.loads(embedded[0].get_attribute('innerHTML'))['state']) >= shown
    errors, blocked = severe_console(driver)
    assert not errors, errors
    driver.save_screenshot(str(artifacts / 'docs_widget_state.png'))
    print(
        f'\nwidget state in the docs page: {len(state)} models, {len(shown)} shown widgets; CDN resources not loaded '
        f'(offline by design; the site loads the widget renderer from it): {len(blocked)}'
    )
