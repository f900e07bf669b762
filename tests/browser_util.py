"""Helpers for tests/test_browser.py: find headless Chromium, start JupyterLab, drive ipywidgets, process notebooks
for docs.

Nothing here downloads anything: Chromium and chromedriver come from the system (`bash tools/install_browser.sh`),
Selenium is pointed at the chromedriver binary so that Selenium Manager never runs, and the browser resolves no host
but localhost (pages that link a CDN get a fast, deterministic failure instead of a hang)."""

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# Environment overrides: a chromedriver / browser binary (a missing path makes the tests skip), where screenshots go.
CHROMEDRIVER = os.environ.get('NETGUARD_CHROMEDRIVER', '/usr/bin/chromedriver')
BROWSERS = ('chromium', 'chromium-browser', 'google-chrome', 'google-chrome-stable')
ARTIFACTS = Path(os.environ.get('NETGUARD_ARTIFACTS') or ROOT / 'tests' / 'artifacts')
# Quiet, single-threaded children (the machine is shared): torch, numpy and the progress bars of netguard.
CHILD_ENV = dict(
    OMP_NUM_THREADS='1', MKL_NUM_THREADS='1', OPENBLAS_NUM_THREADS='1', NETGUARD_QUIET='1', PYTHONUNBUFFERED='1'
)


def chromium_binary():
    "The Chromium/Chrome executable: `$NETGUARD_CHROMIUM`, else the first of `BROWSERS` on PATH."
    if os.environ.get('NETGUARD_CHROMIUM'):
        p = os.environ['NETGUARD_CHROMIUM']
        return p if os.path.isfile(p) and os.access(p, os.X_OK) else None
    for name in BROWSERS:
        if shutil.which(name):
            return shutil.which(name)
    return None


def browser_missing() -> str | None:
    "Why the browser tests cannot run here, or None when they can."
    if not (os.path.isfile(CHROMEDRIVER) and os.access(CHROMEDRIVER, os.X_OK)):
        return (
            f'no chromedriver at {CHROMEDRIVER} (set NETGUARD_CHROMEDRIVER, or install Debian chromium-driver: '
            'bash tools/install_browser.sh)'
        )
    if not chromium_binary():
        return 'no Chromium found (NETGUARD_CHROMIUM or chromium on PATH; install: bash tools/install_browser.sh)'
    for mod, pkg in [
        ('selenium', 'selenium'),
        ('jupyterlab', 'jupyterlab'),
        ('nbconvert', 'nbconvert'),
        ('nbdev', 'nbdev'),
    ]:
        try:
            __import__(mod)
        except ImportError:
            return f'{pkg} is not installed (pip install -e ".[dev]")'
    return None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def start_chrome(profile_dir: Path, width=1400, height=1600):
    "Headless Chromium through the system chromedriver; console messages are kept for `severe_console`."
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    opts = webdriver.ChromeOptions()
    opts.binary_location = chromium_binary()
    for a in [
        '--headless=new',
        '--no-sandbox',
        '--disable-dev-shm-usage',
        '--disable-gpu',
        '--no-first-run',
        '--disable-extensions',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--mute-audio',
        '--disable-background-timer-throttling',
        '--disable-renderer-backgrounding',
        '--disable-backgrounding-occluded-windows',
        '--renderer-process-limit=2',
        f'--window-size={width},{height}',
        f'--user-data-dir={profile_dir}',
        # no DNS: every host but localhost fails at once (the test never depends on the network)
        '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE localhost, EXCLUDE 127.0.0.1',
    ]:
        opts.add_argument(a)
    opts.set_capability('goog:loggingPrefs', {'browser': 'ALL'})
    service = Service(executable_path=CHROMEDRIVER, log_output=str(profile_dir.parent / 'chromedriver.log'))
    driver = webdriver.Chrome(service=service, options=opts)
    driver.set_window_size(width, height)  # tall enough for a whole widget in one element screenshot
    driver.set_page_load_timeout(60)
    driver.set_script_timeout(30)
    return driver


_EXTERNAL = re.compile(r'^(https?://(?!localhost[:/]|127\.0\.0\.1[:/])\S+)')


def severe_console(driver):
    """SEVERE browser console entries since the last call, split into (errors, blocked): `blocked` are failed loads of
    resources from other hosts (a CDN: this browser resolves no host but localhost), `errors` everything else."""
    errors, blocked = [], []
    for e in driver.get_log('browser'):
        if e.get('level') != 'SEVERE':
            continue
        msg = e.get('message', '')
        (blocked if _EXTERNAL.match(msg) and 'net::ERR_' in msg else errors).append(msg)
    return errors, blocked


def wait_for(cond, timeout, what, interval=0.25):
    "Poll `cond()` until it returns something truthy; fail with `what` after `timeout` seconds."
    try:
        from selenium.common.exceptions import WebDriverException
    except ImportError:
        WebDriverException = OSError
    end = time.monotonic() + timeout
    while True:
        try:
            v = cond()
        except (WebDriverException, OSError) as ex:
            v, last = None, ex  # e.g. a stale element while the page re-renders
        else:
            last = None
        if v:
            return v
        if time.monotonic() > end:
            raise TimeoutError(
                f'timed out after {timeout} s waiting for {what}' + (f' (last error: {last!r})' if last else '')
            )
        time.sleep(interval)


class JupyterLab:
    "A JupyterLab server on a free localhost port with a random token, `root` as its root, isolated settings."

    def __init__(self, root: Path, work: Path, timeout=60):
        import secrets

        self.root, self.work, self.port, self.token = root, work, free_port(), secrets.token_hex(16)
        self.url = f'http://127.0.0.1:{self.port}'
        for d in ('runtime', 'settings', 'workspaces'):
            (work / d).mkdir(parents=True, exist_ok=True)
        # no news/updates prompt (a toast that would cover the widgets in the screenshots), no request to the internet
        note = work / 'settings' / '@jupyterlab' / 'apputils-extension' / 'notification.jupyterlab-settings'
        note.parent.mkdir(parents=True, exist_ok=True)
        note.write_text(json.dumps(dict(fetchNews='false', checkForUpdates=False, doNotDisturbMode=True)))
        env = {
            **os.environ,
            **CHILD_ENV,
            'JUPYTER_RUNTIME_DIR': str(work / 'runtime'),
            'JUPYTERLAB_SETTINGS_DIR': str(work / 'settings'),
            'JUPYTERLAB_WORKSPACES_DIR': str(work / 'workspaces'),
        }
        cmd = [
            sys.executable,
            '-m',
            'jupyterlab',
            '--no-browser',
            '--ServerApp.ip=127.0.0.1',
            f'--ServerApp.port={self.port}',
            '--ServerApp.port_retries=0',
            f'--IdentityProvider.token={self.token}',
            f'--ServerApp.root_dir={root}',
            '--LabApp.news_url=None',
            '--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate',
        ]
        if hasattr(os, 'geteuid') and os.geteuid() == 0:
            cmd.append('--allow-root')
        self.log_path = work / 'jupyterlab.log'
        self._log = open(self.log_path, 'w')
        self.proc = subprocess.Popen(
            cmd, cwd=root, env=env, stdout=self._log, stderr=subprocess.STDOUT, start_new_session=True
        )
        try:
            wait_for(self._ready, timeout, f'JupyterLab to answer on {self.url}', interval=0.5)
        except BaseException:
            self.stop()
            raise

    def _ready(self):
        if self.proc.poll() is not None:
            raise RuntimeError(f'JupyterLab exited with {self.proc.returncode}:\n{self.log_tail()}')
        try:
            return self.api('GET', 'status') is not None
        except OSError:
            return False

    def api(self, method, path, timeout=10):
        req = urllib.request.Request(
            f'{self.url}/api/{path}', method=method, headers={'Authorization': f'token {self.token}'}
        )
        with urllib.request.urlopen(req, timeout=timeout) as r:
            body = r.read()
        return json.loads(body) if body else {}

    def lab_url(self, notebook: str, workspace: str = 'test') -> str:
        return f'{self.url}/lab/workspaces/{workspace}/tree/{notebook}?token={self.token}'

    def shutdown_kernels(self):
        for k in self.api('GET', 'kernels'):
            try:
                self.api('DELETE', f"kernels/{k['id']}", timeout=20)
            except OSError:
                pass

    def log_tail(self, n=3000) -> str:
        self._log.flush()
        return self.log_path.read_text(errors='replace')[-n:]

    def stop(self):
        "Shut the kernels and the server down (REST, then SIGTERM, then SIGKILL of its process group)."
        if self.proc.poll() is None:
            try:
                self.shutdown_kernels()
                self.api('POST', 'shutdown')
                self.proc.wait(15)
            except Exception:
                pass
        if self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGTERM)
                self.proc.wait(10)
            except Exception:
                pass
        if self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(5)
            except Exception:
                pass
        self._log.close()


# ---------------------------------------------------------------- JupyterLab and ipywidgets, seen from the browser


def click(element, timeout=15):
    "Click, retrying while something (JupyterLab's splash screen, a closing menu) still covers the element."
    from selenium.common.exceptions import ElementClickInterceptedException

    end = time.monotonic() + timeout
    while True:
        try:
            return element.click()
        except ElementClickInterceptedException:
            if time.monotonic() > end:
                raise
            accept_kernel_dialog(element.parent)
            time.sleep(0.5)


def accept_kernel_dialog(driver) -> bool:
    """Accept JupyterLab's 'Select Kernel' dialog (its default is the notebook's python3 kernel) if it is open: on a
    busy machine the kernel can be slow enough to start that JupyterLab asks."""
    from selenium.webdriver.common.by import By

    for d in driver.find_elements(By.CSS_SELECTOR, '.jp-Dialog'):
        if 'Select Kernel' in d.text:
            for b in d.find_elements(By.CSS_SELECTOR, 'button.jp-mod-accept'):
                b.click()
                time.sleep(0.5)
                return True
    return False


def open_and_run_all(driver, lab: JupyterLab, notebook: str, timeout=60):
    """Open `notebook` in JupyterLab (in a workspace of its own, so that several browser tabs can each hold one), wait
    for an idle kernel, then Run > Run All Cells from the menu bar."""
    from selenium.webdriver.common.by import By

    driver.get(lab.lab_url(notebook, workspace=Path(notebook).stem))
    wait_for(
        lambda: driver.find_elements(By.CSS_SELECTOR, '.jp-NotebookPanel .jp-Cell'),
        timeout,
        f'{notebook} to open in JupyterLab',
    )
    wait_for(lambda: not driver.find_elements(By.ID, 'jupyterlab-splash'), timeout, "JupyterLab's splash screen to go")

    def idle():
        accept_kernel_dialog(driver)
        return driver.find_elements(By.CSS_SELECTOR, '.jp-Notebook-ExecutionIndicator[data-status="idle"]')

    wait_for(idle, timeout, f"{notebook}'s kernel to be idle")

    def run_all():  # 'runmenu:run-all' in JupyterLab 4, 'notebook:run-all-cells' in the palette
        return [
            li
            for li in driver.find_elements(By.CSS_SELECTOR, '.lm-Menu li.lm-Menu-item:not(.lm-mod-disabled)')
            if li.get_attribute('data-command') in ('runmenu:run-all', 'notebook:run-all-cells')
            or li.text.strip().startswith('Run All Cells')
        ]

    def started():  # a prompt shows [*] (running/queued) or [n] (done)
        return any(
            re.search(r'\[(\*|\d+)\]', p.text) for p in driver.find_elements(By.CSS_SELECTOR, '.jp-InputArea-prompt')
        )

    for attempt in range(3):
        accept_kernel_dialog(driver)
        menu = wait_for(
            lambda: [m for m in driver.find_elements(By.CSS_SELECTOR, '.lm-MenuBar-item') if m.text.strip() == 'Run'],
            10,
            "JupyterLab's Run menu",
        )[0]
        click(menu)
        click(wait_for(run_all, 10, 'Run All Cells in the Run menu')[0])
        try:
            return wait_for(started, 10, 'the cells to start running')
        except TimeoutError:
            if attempt == 2:
                raise


def notebook_errors(driver) -> list[str]:
    "Texts of error outputs (tracebacks) in the open notebook."
    from selenium.webdriver.common.by import By

    sel = '[data-mime-type="application/vnd.jupyter.error"], [data-mime-type="application/vnd.jupyter.stderr"]'
    return [e.text for e in driver.find_elements(By.CSS_SELECTOR, sel) if 'Error' in e.text or 'Traceback' in e.text]


def find_widget(driver, css_class, timeout):
    "The rendered widget with DOM class `css_class` (it has an image with a source); fails early on a traceback."
    from selenium.webdriver.common.by import By

    def ready():
        errs = notebook_errors(driver)
        if errs:
            raise AssertionError('the notebook raised:\n' + '\n'.join(errs)[-3000:])
        for w in driver.find_elements(By.CSS_SELECTOR, f'.{css_class}'):
            if any(i.get_attribute('src') for i in w.find_elements(By.CSS_SELECTOR, 'img')):
                return w

    try:
        return wait_for(ready, timeout, f'the widget .{css_class} to render')
    except TimeoutError as ex:
        raise TimeoutError(f'{ex}; notebook errors: {notebook_errors(driver)}') from None


def image_digests(driver, widget) -> list[str]:
    "For each image of `widget`: 'bytes:hash' of the PNG behind its blob: src (the src alone changes on every update)."
    from selenium.webdriver.common.by import By

    out = []
    for img in widget.find_elements(By.CSS_SELECTOR, 'img'):
        out.append(
            driver.execute_async_script(
                """
            const [img, done] = arguments;
            fetch(img.src).then(r => r.arrayBuffer()).then(b => {
                const a = new Uint8Array(b); let h = 2166136261;
                for (const x of a) h = Math.imul(h ^ x, 16777619) >>> 0;
                done(a.length + ':' + h.toString(16));
            }).catch(e => done('error ' + e));""",
                img,
            )
        )
    return out


def step_number(widget) -> int | None:
    "N from the widget's '<b>step N</b>' text."
    from selenium.webdriver.common.by import By

    for h in widget.find_elements(By.CSS_SELECTOR, '.widget-html-content'):
        m = re.search(r'\bstep (\d+)\b', h.text)
        if m:
            return int(m.group(1))
    return None


def button(widget, label):
    from selenium.webdriver.common.by import By

    bs = [b for b in widget.find_elements(By.CSS_SELECTOR, 'button') if b.text.strip() == label]
    names = [b.text for b in widget.find_elements(By.CSS_SELECTOR, 'button')]
    assert bs, f"no button labelled {label!r} in the widget (buttons: {names})"
    return bs[0]


def slider_handle(widget, description):
    "The draggable handle of the slider whose description is `description`."
    from selenium.webdriver.common.by import By

    for s in widget.find_elements(By.CSS_SELECTOR, '.widget-slider'):
        labels = s.find_elements(By.CSS_SELECTOR, '.widget-label')
        if labels and labels[0].text.strip() == description:
            return s.find_element(By.CSS_SELECTOR, '.noUi-handle'), s.find_element(By.CSS_SELECTOR, '.widget-readout')
    raise AssertionError(f'no slider {description!r} in the widget')


def screenshot(driver, element, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    driver.execute_script('arguments[0].scrollIntoView({block: "center"});', element)
    time.sleep(0.3)
    element.screenshot(str(path))
    return path


# ---------------------------------------------------------------- docs: nbdev's processing of notebooks, then nbconvert


def process_for_docs(notebooks, out: Path, timeout=600) -> dict:
    """Run nbdev's docs processors (`nbdev.processors.FilterDefaults`, what `nbdev-proc-nbs`/`nbdev-docs` run on every
    notebook before Quarto) on `notebooks`, in a child process, writing the processed copies to `out`. One deviation:
    cells flagged with the project's `tst_flags` (slow, gpu, net) are not executed (nbdev would execute those that
    contain an import); they are reported instead. Returns {name: {title, description, error, flagged_exec}}."""
    out.mkdir(parents=True, exist_ok=True)
    args = [sys.executable, __file__, 'process', str(out), *map(str, notebooks)]
    r = subprocess.run(args, cwd=ROOT, env={**os.environ, **CHILD_ENV}, capture_output=True, text=True, timeout=timeout)
    if r.returncode:
        raise RuntimeError(f'docs processing failed ({r.returncode}):\n{r.stdout[-2000:]}\n{r.stderr[-4000:]}')
    return json.loads((out / 'summary.json').read_text())


def _process_main(out: str, *notebooks: str):
    import torch

    torch.set_num_threads(1)
    import traceback
    import warnings

    from fastcore.nbio import read_nb, write_nb
    from nbdev.config import get_config
    from nbdev.processors import FilterDefaults, _do_eval, exec_show_docs

    os.environ['IN_TEST'] = '1'  # as nbdev's docs processing sets it
    flags = set(str(get_config().get('tst_flags', '')).split())
    summary = {}

    for src in map(Path, notebooks):
        flagged = []

        class exec_show_docs_unflagged(exec_show_docs):
            "nbdev's exec_show_docs, except for cells flagged slow/gpu/net (reported in `flagged`)."

            def __call__(self, cell):
                hit = flags & set(cell.directives_)
                if hit:
                    with warnings.catch_warnings():
                        warnings.simplefilter('ignore')
                        if _do_eval(cell):
                            first = next(
                                (
                                    line
                                    for line in cell.source.splitlines()
                                    if line.strip() and not line.startswith('#|')
                                ),
                                '',
                            )
                            flagged.append(dict(cell=cell.idx_, flags=sorted(hit), first_line=first[:80]))
                    return
                return super().__call__(cell)

        class Procs(FilterDefaults):
            def base_procs(self):
                return [exec_show_docs_unflagged if p is exec_show_docs else p for p in super().base_procs()]

        rec = dict(title=None, description=None, error=None, flagged_exec=flagged)
        try:
            nb = read_nb(src)
            with warnings.catch_warnings():
                warnings.simplefilter('ignore')
                Procs()(nb)
            fm = getattr(nb, 'frontmatter_', {}) or {}
            rec.update(title=fm.get('title'), description=fm.get('description'))
            write_nb(nb, Path(out) / src.name)
        except Exception as ex:
            rec['error'] = ''.join(traceback.format_exception_only(type(ex), ex))[-3000:]
        summary[src.name] = rec
    (Path(out) / 'summary.json').write_text(json.dumps(summary, indent=1))


def to_html(processed: Path, title: str, description: str | None, dest: Path) -> Path:
    """nbconvert's HTML (lab template) of a processed notebook, with the page title and a title block made from the
    notebook's frontmatter the way Quarto renders it."""
    import nbformat
    from nbconvert import HTMLExporter

    nb = nbformat.read(processed, as_version=4)
    for c in nb.cells:  # nbdev's timings ({'total': float}) break nbformat's schema, which wants strings there
        c.metadata.pop('execution', None)
    head = f'# {title}' + (f'\n\n> {description}' if description else '')
    # Quarto turns the frontmatter (a raw cell '---\ntitle: ...\n---' after nbdev's processing) into a title block
    nb.cells = [c for c in nb.cells if not (c.cell_type == 'raw' and c.source.lstrip().startswith('---'))]
    nb.cells.insert(0, nbformat.v4.new_markdown_cell(head))
    nb.metadata['title'] = title
    html, _ = HTMLExporter(template_name='lab').from_notebook_node(nb)
    dest.parent.mkdir(parents=True, exist_ok=True)
    for d in ('images',):  # what the pages link relatively (Quarto copies these resources next to the pages)
        if (ROOT / 'nbs' / d).is_dir() and not (dest.parent / d).exists():
            shutil.copytree(ROOT / 'nbs' / d, dest.parent / d)
    dest.write_text(html, encoding='utf-8')
    return dest


if __name__ == '__main__' and len(sys.argv) > 2 and sys.argv[1] == 'process':
    _process_main(*sys.argv[2:])
