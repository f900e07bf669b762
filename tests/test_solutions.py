"""Run every exercise solution in solutions/ with small budgets and check its answer, so the solutions stay correct."""

import os
import sys
from pathlib import Path

import pytest
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault('NETGUARD_QUIET', '1')

from solutions import ex00_models, ex01_data, ex02_train, ex03_invert, ex04_defend, ex05_eval  # noqa: E402


@pytest.fixture(scope='module')
def tiny():
    "A small target, public classifier and GAN trained for a few seconds (the notebooks' test setup)."
    from netguard.data import mnist5k
    from netguard.models import build
    from netguard.train import train_classifier, train_gan

    torch.set_num_threads(2)
    split = mnist5k(seed=0)
    torch.manual_seed(0)
    T = build('cnn', 5, (1, 32, 32), width=8)
    train_classifier(T, split.private_train, epochs=1, device='cpu')
    P = build('cnn', 5, (1, 32, 32), width=8)
    train_classifier(P, split.public, epochs=1, device='cpu')
    G = build('generator', image_shape=(1, 32, 32), width=8)
    D = build('discriminator', image_shape=(1, 32, 32), width=8)
    train_gan(G, D, split.public, steps=20, loss='dcgan', device='cpu', sample_every=0)
    return dict(split=split, T=T, P=P, G=G, D=D)


def test_00_vgg_parameters_sit_in_the_trunk():
    r = ex00_models.exercise_1()
    assert r['trunk'] > 5 * r['head'] and r['torchvision_head'] > r['torchvision_trunk']


def test_00_instance_norm_ignores_the_batch():
    r = ex00_models.exercise_2()
    assert r['instance'] < 1e-5 < r['batch']


def test_01_even_digits_private():
    split = ex01_data.exercise_1()
    assert split.private_names == ['0', '2', '4', '6', '8'] and split.public_names == ['1', '3', '5', '7', '9']


def test_01_stratified_counts():
    assert ex01_data.exercise_2(0.3) == [150] * 5


def test_02_augmentation(tiny):
    r = ex02_train.exercise_1(epochs=1, width=8, n_train=500)
    assert set(r) == {'augment', 'plain'} and all(0.2 < v <= 1 for v in r.values())


def test_02_diff_augment(tiny):
    r = ex02_train.exercise_2(steps=10, width=8, public_classifier=tiny['P'])
    assert set(r) == {'diff_augment', 'plain'} and all(0 <= v <= 1 for v in r.values())


def test_03_lam_decides_which_term_wins(tiny):
    r = ex03_invert.exercise_1(tiny['T'], tiny['G'], tiny['D'], steps=15)
    low, high = r[0.1], r[1000.0]
    assert high['identity'][1] < high['identity'][0]  # large lam: the target gets sure
    assert (high['identity'][0] - high['identity'][1]) > (low['identity'][0] - low['identity'][1])


def test_03_priors(tiny):
    r = ex03_invert.exercise_2(tiny['T'], tiny['G'], tiny['D'], labels=(0, 1), n=4, steps=10)
    assert set(r) == {'log', 'wgan'} and all(0 <= v <= 1 for v in r.values())


def test_03_alignment_top1(tiny):
    r = ex03_invert.exercise_3(tiny['T'], tiny['split'].public, steps=30)
    assert set(r) == {'full', 'top1'} and all(v > 0 for v in r.values())


def test_04_lam_keeps_accuracy(tiny):
    from netguard.defend import NetGuardConfig

    cfg = NetGuardConfig(n_fake=8, batch_size=16, replay_batch=16, fisher_samples=64, invert_steps=10)
    r = ex04_defend.exercise_1(tiny['T'], tiny['P'], (tiny['G'], tiny['D']), tiny['split'], steps=10, cfg=cfg)
    assert set(r) == {0.01, 100.0} and all(0 <= v <= 1 for v in r.values())


def test_04_decoy_rules(tiny):
    from netguard.defend import invert_classes

    imgs = invert_classes(tiny['P'], tiny['G'], tiny['D'], list(range(5)), n=4, steps=5)
    r = ex04_defend.exercise_2(tiny['T'], imgs)
    assert len(r['most_confused']) == 1 and r['most_confused'] != r['least_confused']


def test_04_raw_fisher_is_small(tiny):
    r = ex04_defend.exercise_3(tiny['T'], tiny['split'].private_train, max_samples=64)
    assert 0 < r['mean'] < 1 and r['lam_equivalent'] > 1


def test_04_own_ewc_matches_library(tiny):
    mine, lib = ex04_defend.exercise_4(tiny['T'], tiny['split'].private_train)
    assert lib > 0 and abs(mine - lib) <= 1e-5 * lib


@pytest.fixture(scope='module')
def checker(tiny):
    "A tiny all-class checker (private + public digits), one epoch."
    from netguard.models import build
    from netguard.train import role_data, train_classifier

    tr, _, k = role_data(tiny['split'], 'checker')
    torch.manual_seed(1)
    C = build('cnn', k, (1, 32, 32), width=8)
    train_classifier(C, tr, epochs=1, device='cpu')
    return C


def test_05_random_baseline(tiny, checker):
    r = ex05_eval.exercise_1(tiny['G'], tiny['T'], checker, n=500)
    assert abs(sum(r['aa'].values()) - 1) < 1e-6  # the 5-class evaluator reads every sample as one
    assert r['favoured'] == max(r['aa'], key=r['aa'].get)
    assert all(r['threshold'][c] > r['aa'][c] for c in r['aa'])


def test_05_spread_and_gap(tiny, checker):
    models = dict(target=tiny['T'], public=tiny['P'], evaluator=tiny['T'], checker=checker, gan=(tiny['G'], tiny['D']))
    fast = dict(steps=2, n_fake=4, fisher_samples=32, invert_steps=2, batch_size=8, replay_batch=8)
    r = ex05_eval.exercise_2(
        seeds=(0, 1),
        n=4,
        models=models,
        split=tiny['split'],
        attack_options={'gmi': dict(steps=3)},
        defense_options={'netguard': fast},
        fid=False,
        baseline_n=20,
        device='cpu',
    )
    assert set(r['spread']) == {'original', 'netguard'} and all(len(v) == 2 for v in r['aa'].values())
    assert r['latents_to_halve'] == 16 and -1 <= r['gap'] <= 1


def test_05_fid_shrinks_with_samples(tiny):
    from netguard.train import fetch

    ((x, _),) = fetch(tiny['split'].private_test, [torch.arange(len(tiny['split'].private_test))])
    r = ex05_eval.exercise_3(tiny['G'], tiny['T'], x[:1000], sizes=(50, 800))
    assert r[50] > r[800] > 0


def test_05_admi_leaves_gradients(tiny):
    from netguard.train import fetch

    ((x, _),) = fetch(tiny['split'].private_test, [torch.arange(8)])
    r = ex05_eval.exercise_4(tiny['T'], tiny['split'].public, x, inv_steps=20)
    assert r['grad_scale'] > 0 and r['grad_diff'] <= 1e-6 * max(1.0, r['grad_scale'])
    assert r['confidence_moved'] > 1e-3  # what it returns did change
    assert r['ce_cosine'] > 0.5  # the identity loss still points the same way
