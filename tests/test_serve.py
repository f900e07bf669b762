"""The served model for real: servers on free ports of 127.0.0.1 (in a thread, and `netguard serve` in a subprocess
stopped by Ctrl-C), attacked over HTTP by BREP-MI with the numbers of the in-process run; the budget (429), the query
log, the bad requests refused with a JSON error (400, 413, 404, 405), the defended models kept in the cache. Nothing
reaches beyond localhost."""

import json
import os
import select
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
import torch

pytest.importorskip('flask', reason='the served model needs the serve extra: pip install -e ".[serve]"')

from netguard.invert import QueryAPI, run_attack  # noqa: E402
from netguard.serve import RemoteAPI, encode_images, served_model, start_server  # noqa: E402
from netguard.train import pretrained  # noqa: E402

LABELS = [0, 1, 2, 3, 4]
SMALL = dict(iterations=4, sphere_points=8, init_draws=256, seed=0, progress=False)  # BREP-MI: ~400 queries
NETGUARD = shutil.which('netguard', path=str(Path(sys.executable).parent)) or shutil.which('netguard')
DIRECT = urllib.request.build_opener(urllib.request.ProxyHandler({}))


@pytest.fixture(scope='module')
def models():
    "The shipped mnist5k target and GAN generator."
    return pretrained('mnist5k', 'target', device='cpu'), pretrained('mnist5k', 'gan', device='cpu')[0]


def images(n: int, seed: int = 0) -> torch.Tensor:
    return torch.rand(n, 1, 32, 32, generator=torch.Generator().manual_seed(seed)) * 2 - 1


def ask(url: str, path: str, body: bytes | None = None, client: str | None = 'tester', method=None):
    "(status, JSON answer, content type) of one raw request."
    headers = {'X-Client': client} if client else {}
    req = urllib.request.Request(url + path, data=body, headers=headers, method=method)
    try:
        with DIRECT.open(req, timeout=30) as r:
            return r.status, json.loads(r.read()), r.headers['Content-Type']
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read()), e.headers['Content-Type']


def log_lines(path: Path) -> list[dict]:
    return [json.loads(s) for s in path.read_text().splitlines()]


def test_brep_mi_over_http_gives_the_in_process_numbers(models, tmp_path):
    target, G = models
    here = run_attack('brep_mi', target, {'G': G}, LABELS, 1, **SMALL)
    with start_server(target, 'label', log=tmp_path / 'q.jsonl') as server:
        api = RemoteAPI(server.url, client='team-b')
        there = run_attack('brep_mi', api, {'G': G}, LABELS, 1, **SMALL)
    assert torch.equal(there.images, here.images) and there.trace == here.trace
    assert there.info['queries'] == here.info['queries'] == api.queries > 0
    lines = log_lines(tmp_path / 'q.jsonl')
    assert {tuple(r) for r in lines} == {('time', 'client', 'images', 'answers', 'status', 'queries')}
    assert {(r['client'], r['answers'], r['status']) for r in lines} == {('team-b', 'label', 200)}
    assert sum(r['images'] for r in lines) == lines[-1]['queries'] == api.queries


def test_score_answers_are_the_query_api_s(models):
    target, _ = models
    x = images(600)  # more than predict's 512 at once
    for answers, k, decimals in [('topk', 2, 3), ('scores', None, None)]:
        with start_server(target, answers, k=k, decimals=decimals) as server:
            remote = RemoteAPI(server.url)
            got = remote(x)
        assert got.dtype == torch.float32 and remote.answer == 'scores' and (remote.k, remote.decimals) == (k, decimals)
        assert torch.equal(got, QueryAPI(target, 'scores', k=k, decimals=decimals)(x))
    with start_server(target, 'label', max_images=4) as server:  # the client splits a batch into requests of 4
        remote = RemoteAPI(server.url)
        assert torch.equal(remote(x[:10]), QueryAPI(target)(x[:10])) and remote.queries == 10
        assert remote(x[:0]).shape == (0,)


@pytest.mark.parametrize(
    'attack, opts',
    [
        ('mirror_b', dict(population=8, generations=2, elite=2)),
        ('rlb_mi', dict(episodes=6, batch_size=4, test_every=3)),
    ],
)
def test_score_attacks_over_http_give_the_in_process_numbers(models, attack, opts):
    "Mirror-B and RLB-MI read the scores a server answers: the same images and queries as from the model in-process."
    target, G = models
    here = run_attack(attack, target, {'G': G}, [0, 3], 2, seed=0, progress=False, **opts)
    with start_server(target, 'scores') as server:
        there = run_attack(attack, RemoteAPI(server.url), {'G': G}, [0, 3], 2, seed=0, progress=False, **opts)
    assert torch.equal(there.images, here.images) and there.info['queries'] == here.info['queries'] > 0


def test_each_client_has_its_budget(models, tmp_path):
    target, _ = models
    with start_server(target, 'label', budget=10, log=tmp_path / 'q.jsonl') as server:
        api = RemoteAPI(server.url, client='b')
        api(images(8))
        with pytest.raises(RuntimeError, match=r'budget of 10 images is spent \(8 queried, 3 more asked\)'):
            api(images(3))  # refused before a request is sent
        status, out, _ = ask(server.url, '/query', json.dumps(encode_images(images(3))).encode(), client='b')
        assert status == 429 and "of client 'b' is spent (8 queried, 3 more asked)" in out['error']
        assert RemoteAPI(server.url, client='b').budget == 2 and RemoteAPI(server.url, client='c').budget == 10
        assert ask(server.url, '/info', client='b')[1]['budget_left'] == 2
        assert ask(server.url, '/query', json.dumps(encode_images(images(3))).encode(), client='c')[0] == 200
    lines = log_lines(tmp_path / 'q.jsonl')
    assert [(r['client'], r['images'], r['status'], r['queries']) for r in lines] == [
        ('b', 8, 200, 8),
        ('b', 3, 429, 8),
        ('c', 3, 200, 3),
    ]


def test_bad_requests_get_one_json_error(models, tmp_path):
    target, _ = models
    x = images(2)
    with_nan = x.clone()
    with_nan[1, 0, 5, 5] = float('nan')
    nan = json.dumps({'images': with_nan.tolist()})  # Python writes NaN as JSON's common extension does
    b64 = encode_images(x)
    bad = {
        'malformed JSON': (b'{"images": [[1, 2', 400, 'the body is not JSON'),
        'not an object': (b'[1, 2, 3]', 400, 'the body must be a JSON object'),
        'wrong shape': (json.dumps({'images': x[:, :, :16].tolist()}).encode(), 400, 'must be of shape (N, 1, 32, 32)'),
        'NaN in lists': (nan.encode(), 400, 'the images hold NaN or Inf'),
        'Inf in base64': (json.dumps(encode_images(x / 0)).encode(), 400, 'the images hold NaN or Inf'),
        'short base64': (json.dumps(b64 | {'shape': [3, 1, 32, 32]}).encode(), 400, 'shape [3, 1, 32, 32] needs'),
        'bad base64': (json.dumps(b64 | {'images_b64': '%%%'}).encode(), 400, 'is not base64'),
        'too many images': (json.dumps(encode_images(images(5))).encode(), 413, 'send at most 4 images'),
        'oversized body': (b' ' * (2**20 + 1), 413, 'the body is over 1,048,576 bytes'),
    }
    with start_server(target, 'label', max_images=4, max_bytes=2**20, log=tmp_path / 'q.jsonl') as server:
        for what, (body, status, text) in bad.items():
            got, out, kind = ask(server.url, '/query', body)
            assert (got, out['status']) == (status, status) and text in out['error'], (what, out)
            assert kind == 'application/json' and set(out) == {'error', 'status'}
        assert ask(server.url, '/query', json.dumps(b64).encode(), client='no spaces')[:2] == (
            400,
            {'error': 'X-Client must be 1 to 64 letters, digits or ._:@- characters', 'status': 400},
        )
        assert ask(server.url, '/nope')[0] == 404 and 'POST /query' in ask(server.url, '/nope')[1]['error']
        assert ask(server.url, '/query', method='GET')[0] == 405
        with pytest.raises(ValueError, match=r'must be of shape \(N, 1, 32, 32\); got \(2, 3, 32, 32\) \(HTTP 400'):
            RemoteAPI(server.url)(torch.zeros(2, 3, 32, 32))
        assert ask(server.url, '/query', json.dumps(b64).encode())[0] == 200  # the server answers on after all that
        url = server.url
    assert [r['status'] for r in log_lines(tmp_path / 'q.jsonl')] == [s for _, s, _ in bad.values()] + [400, 200]
    with pytest.raises(ConnectionError, match='no server answers at http://127.0.0.1'):
        RemoteAPI(url)  # stopped: the port is closed


def test_defended_models_are_kept_in_the_cache(tmp_path):
    x = images(8)
    tiny = dict(steps=2, n_fake=8, invert_steps=2, fisher_samples=16, anchor_others=4, replay_batch=8, batch_size=8)
    for defense, settings in [('admi', dict(inv_steps=5)), ('netguard', tiny)]:
        made, how = served_model('mnist5k', defense, cache=tmp_path, device='cpu', progress=False, **settings)
        again, how_again = served_model('mnist5k', defense, cache=tmp_path, device='cpu', **settings)
        assert 'run now' in how and 'kept in the cache' in how and how_again.startswith('the cache'), (how, how_again)
        with torch.no_grad():
            assert torch.equal(made(x), again(x))
    other = served_model('mnist5k', 'admi', cache=tmp_path, device='cpu', progress=False, inv_steps=6)[1]
    assert 'run now' in other  # other settings, another file


def test_netguard_serve_answers_until_ctrl_c(models, tmp_path):
    assert NETGUARD, 'the `netguard` command is not installed: run `pip install -e .`'
    log = tmp_path / 'q.jsonl'
    argv = [NETGUARD, 'serve', '--port', '0', '--answers', 'topk', '--k', '2', '--round', '3', '--log', str(log)]
    proc = subprocess.Popen(argv, stderr=subprocess.PIPE, text=True, env=os.environ | {'NETGUARD_QUIET': '1'})
    try:
        start, said = time.monotonic(), []
        while not any('http://' in s for s in said) and time.monotonic() - start < 120:
            if select.select([proc.stderr], [], [], 1)[0]:
                said.append(proc.stderr.readline())
            assert proc.poll() is None, ''.join(said) + proc.stderr.read()
        first = said[-1]
        url = first.split(' at ', 1)[1].split(' ')[0]
        assert url.startswith('http://127.0.0.1:') and 'answers top-2 scores' in first and 'Ctrl-C' in first
        x = images(6)
        assert torch.equal(RemoteAPI(url, client='cli')(x), QueryAPI(models[0], 'scores', k=2, decimals=3)(x))
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=30) == 0
        rest = proc.stderr.read()
        assert 'netguard serve: stopped; answered 6 images to 1 client(s)' in rest and 'Traceback' not in rest
    finally:
        if proc.poll() is None:
            proc.kill()
    assert [(r['client'], r['images'], r['answers']) for r in log_lines(log)] == [('cli', 6, 'topk')]
