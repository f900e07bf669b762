"""Run every exercise solution in solutions/ with small budgets and check its answer, so the solutions stay correct."""

import math
import os
import statistics
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


# Each exercise's check is a function of its answer, so the test can also show that a wrong answer fails it.


def swap(r: dict, a, b) -> dict:
    "A wrong answer: `r` with the values of keys `a` and `b` swapped (the two settings mixed up)."
    return r | {a: r[b], b: r[a]}


def check_00_vgg(r):
    "Most of our VGG-16's parameters sit in its trunk, most of torchvision's in its head."
    assert r['head'] == 2 * 2048 + 2048 * 1000 + 1000  # BatchNorm1d(2048) + Linear(2048, 1000)
    assert r['trunk'] == r['torchvision_trunk']
    assert r['trunk'] > 5 * r['head'] and r['torchvision_head'] > r['torchvision_trunk']


def test_00_vgg_parameters_sit_in_the_trunk():
    r = ex00_models.exercise_1()
    check_00_vgg(r)
    with pytest.raises(AssertionError):
        check_00_vgg(swap(r, 'trunk', 'head'))


def check_00_norm(r):
    "One image's score moves with the rest of its batch under batch norm, not under instance norm."
    assert r['instance'] < 1e-5 < r['batch']


def test_00_instance_norm_ignores_the_batch():
    r = ex00_models.exercise_2()
    check_00_norm(r)
    with pytest.raises(AssertionError):
        check_00_norm(swap(r, 'instance', 'batch'))


def check_01_even_odd(r):
    "A target trained on the even digits reads a 1 as a 4 and a 5 and a 9 as an 8: the GAN draws 5s and 9s for an 8."
    split, read_as = r['split'], r['read_as']
    assert split.private_names == ['0', '2', '4', '6', '8'] and split.public_names == ['1', '3', '5', '7', '9']
    assert read_as['1'] == '4' and read_as['5'] == read_as['9'] == '8'
    assert r['drawn_for_8'] == [d for d in split.public_names if read_as[d] == '8']


def test_01_even_digits_private():
    r = ex01_data.exercise_1(epochs=2, width=8)
    check_01_even_odd(r)
    with pytest.raises(AssertionError):  # the odd digit that looks least like an 8
        check_01_even_odd(r | dict(drawn_for_8=['1']))


def check_01_counts(counts):
    "test_fraction=0.3 of 500 images per digit: 150 test images of every digit."
    assert counts == [150] * 5


def test_01_stratified_counts():
    check_01_counts(ex01_data.exercise_2(0.3))
    with pytest.raises(AssertionError):  # the default test fraction, 0.2
        check_01_counts(ex01_data.exercise_2(0.2))


def check_02_augmentation(r):
    "Augmentation keeps more accuracy on moved digits, and loses less from clean to moved, than no augmentation."
    aug, plain = r['augment'], r['plain']
    assert aug['moved'] > plain['moved']
    assert aug['clean'] - aug['moved'] < plain['clean'] - plain['moved']


def test_02_augmentation():
    r = ex02_train.exercise_1(epochs=2, width=8)
    check_02_augmentation(r)
    with pytest.raises(AssertionError):
        check_02_augmentation(swap(r, 'augment', 'plain'))


def check_02_diff_augment(r):
    "Without DiffAugment the discriminator wins more easily: the generator's loss -log D(G(z)) ends higher."
    assert r['g_loss']['diff_augment'] < r['g_loss']['plain']
    assert all(0 <= v <= 1 for v in r['confident'].values())


def test_02_diff_augment(tiny):
    r = ex02_train.exercise_2(steps=50, width=8, public_classifier=tiny['P'])
    check_02_diff_augment(r)
    with pytest.raises(AssertionError):
        check_02_diff_augment(r | dict(g_loss=swap(r['g_loss'], 'diff_augment', 'plain')))


def read_as_attacked(classifier, r: dict) -> float:
    "The share of an answer's images that `classifier` reads as the digit they were searched for."
    from netguard.core import predict

    return (predict(classifier, r['images']).argmax(1) == r['labels']).float().mean().item()


def check_03_lam(r, checker):
    """lam = 0.1: the prior falls more; lam = 1000: the identity loss falls more (and does fall), and more images turn
    into the attacked private digit in the all-class checker's eyes. 'real' is the all-class checker's share, not the
    evaluator's: the lam = 0.1 images stay public digits, which the checker (and only it) can say."""
    low, high = r[0.1], r[1000.0]

    def fall(term):
        return term[0] - term[1]

    assert fall(high['identity']) > max(0.0, fall(low['identity']))
    assert fall(low['prior']) > fall(high['prior'])
    for v in (low, high):
        assert abs(v['real'] - read_as_attacked(checker, v)) < 1e-6  # the all-class checker's verdict
    assert low['real'] <= 0.1 < high['real']  # a public digit is not a leak


@pytest.fixture(scope='module')
def shipped_03():
    "The shipped mnist5k target, GAN, all-class checker and evaluator: the models of the chapter's z-stepper."
    from netguard.train import pretrained

    return {role: pretrained('mnist5k', role, device='cpu') for role in ('target', 'gan', 'checker', 'evaluator')}


def test_03_lam_decides_which_term_wins(shipped_03):
    checker = shipped_03['checker']
    r = ex03_invert.exercise_1(shipped_03['target'], *shipped_03['gan'], checker)
    check_03_lam(r, checker)
    with pytest.raises(AssertionError):
        check_03_lam(swap(r, 0.1, 1000.0), checker)
    with pytest.raises(AssertionError):  # lam = 1000 images that stay public digits, as with lam = 0.1
        check_03_lam(r | {1000.0: r[1000.0] | dict(real=r[0.1]['real'])}, checker)
    # The guide's first mistake: 'real' scored by the evaluator, which must call every image a private digit
    by_evaluator = {lam: v | dict(real=read_as_attacked(shipped_03['evaluator'], v)) for lam, v in r.items()}
    with pytest.raises(AssertionError):
        check_03_lam(by_evaluator, checker)


def check_03_priors(r):
    "-D(G(z)) keeps pushing the discriminator's score up where -log D(G(z)) lets go: the score ends higher."
    assert r['wgan']['score'] > r['log']['score']


def test_03_priors(tiny):
    r = ex03_invert.exercise_2(tiny['T'], tiny['G'], tiny['D'], labels=(0, 1), n=4, steps=30)
    check_03_priors(r)
    with pytest.raises(AssertionError):
        check_03_priors(swap(r, 'log', 'wgan'))


def check_03_alignment(r):
    "Top-1 reconstructs worse than the full vector, yet better than the mean public image."
    assert r['full'] < r['top1'] < r['mean_image']


def test_03_alignment_top1(tiny):
    r = ex03_invert.exercise_3(tiny['T'], tiny['split'].public, steps=100, width=16)
    check_03_alignment(r)
    with pytest.raises(AssertionError):
        check_03_alignment(swap(r, 'full', 'top1'))
    with pytest.raises(AssertionError):  # a top-1 network that learned nothing beyond the mean image
        check_03_alignment(r | dict(top1=r['mean_image']))


def check_04_lam(r):
    """lam = 100 holds the weights near the trained ones (a Fisher-weighted move many times smaller) and the decoy is
    learnt more slowly (its loss ends higher) than with lam = 0.01; MC(all) does not fall either way (replay, not EWC,
    keeps accuracy: on the under-trained test target it even rises)."""
    low, high = r[0.01], r[100.0]
    assert 0 < 5 * high['moved'] < low['moved']
    assert high['decoy_loss'] > low['decoy_loss']
    assert min(low['mc_all'], high['mc_all']) > r['original'] - 0.02


def test_04_lam_holds_the_weights(tiny):
    from netguard.defend import NetGuardConfig

    cfg = NetGuardConfig(n_fake=8, batch_size=16, replay_batch=16, fisher_samples=64, invert_steps=10)
    r = ex04_defend.exercise_1(tiny['T'], tiny['P'], (tiny['G'], tiny['D']), tiny['split'], steps=20, cfg=cfg)
    check_04_lam(r)
    with pytest.raises(AssertionError):
        check_04_lam(swap(r, 0.01, 100.0))


def check_04_decoys(r):
    """'most_confused' picks the public digit the target reads most as 0, 'least_confused' the one it reads least as 0
    (and reads as another private digit)."""
    q = r['reads_as_0']
    assert r['most_confused'] == [q.index(max(q))] and r['least_confused'] == [q.index(min(q))]
    assert max(q) > min(q) and r['read_as'][r['least_confused'][0]] != 0


def test_04_decoy_rules(tiny):
    from netguard.data import per_class

    xs, ys = per_class(tiny['split'].public, 64, seed=0)  # real public images, 64 per digit, as NetGuard chooses
    r = ex04_defend.exercise_2(tiny['T'], torch.stack([xs[ys == j] for j in ys.unique()]))
    check_04_decoys(r)
    with pytest.raises(AssertionError):
        check_04_decoys(swap(r, 'most_confused', 'least_confused'))
    with pytest.raises(AssertionError):  # the guide's mistake: only the protected class looked at (all read as 0)
        check_04_decoys(r | dict(read_as=[0] * len(r['read_as'])))


def check_04_raw_fisher(r):
    "The raw Fisher is tiny per weight, so lam must be about 1 / mean(F) (well above 10) for EWC to matter."
    assert 0 < r['mean'] < 0.1 and abs(r['lam_equivalent'] * r['mean'] - 1) < 1e-6
    assert r['lam_equivalent'] > 10


def test_04_raw_fisher_is_small(tiny):
    r = ex04_defend.exercise_3(tiny['T'], tiny['split'].private_train, max_samples=64)
    check_04_raw_fisher(r)
    with pytest.raises(AssertionError):  # the normalised Fisher (mean 1), where lam = 1 already weighs
        check_04_raw_fisher(r | dict(mean=1.0, lam_equivalent=1.0))


def check_04_ewc(mine, lib):
    "Our EWC penalty equals the library's on a perturbed copy of the target."
    assert lib > 0 and abs(mine - lib) <= 1e-5 * lib


def test_04_own_ewc_matches_library(tiny):
    mine, lib = ex04_defend.exercise_4(tiny['T'], tiny['split'].private_train)
    check_04_ewc(mine, lib)
    with pytest.raises(AssertionError):  # the formula without its 1/2
        check_04_ewc(2 * mine, lib)


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


def check_05_baseline(r):
    """The evaluator does not spread random G(z) evenly: the favoured digit's chance level is above 1/5, and an attack
    must beat each digit's chance level by two binomial standard errors over its latents."""
    aa = r['aa']
    assert abs(sum(aa.values()) - 1) < 1e-6  # the 5-class evaluator reads every sample as one
    assert r['favoured'] == max(aa, key=aa.get) and aa[r['favoured']] > 1 / len(aa)
    for c, p in aa.items():
        assert abs(r['threshold'][c] - (p + 2 * math.sqrt(max(p * (1 - p), 1e-12) / r['latents']))) < 1e-9


def test_05_random_baseline(tiny, checker):
    r = ex05_eval.exercise_1(tiny['G'], tiny['T'], checker, n=500)
    check_05_baseline(r)
    with pytest.raises(AssertionError):  # the least favoured digit
        check_05_baseline(r | dict(favoured=min(r['aa'], key=r['aa'].get)))
    with pytest.raises(AssertionError):  # uniform chance, 1/5 for every digit
        check_05_baseline(r | dict(threshold=dict.fromkeys(r['aa'], 1 / len(r['aa']))))


def check_05_spread(r, n):
    """NetGuard lowers AA(l_t) by far more than the spread over seeds (so the conclusion does not depend on the seed),
    and halving the spread takes 4x the latents."""
    assert min(len(v) for v in r['aa'].values()) >= 2  # one seed has no spread to compare the gap with
    orig, ng = r['aa']['original'], r['aa']['netguard']
    assert abs(r['gap'] - (statistics.mean(orig) - statistics.mean(ng))) < 1e-9
    assert all(abs(r['spread'][d] - statistics.stdev(v)) < 1e-9 for d, v in r['aa'].items())
    assert r['gap'] > 2 * max(r['spread'].values())
    assert r['latents_to_halve'] == 4 * n


def test_05_spread_and_gap(tiny, checker):
    models = dict(target=tiny['T'], public=tiny['P'], evaluator=tiny['T'], checker=checker, gan=(tiny['G'], tiny['D']))
    fast = dict(steps=100, n_fake=8, fisher_samples=32, invert_steps=5, batch_size=16, replay_batch=16, anchor_others=0)
    r = ex05_eval.exercise_2(
        seeds=(0, 1, 2),
        n=16,
        models=models,
        split=tiny['split'],
        attack_options={'gmi': dict(steps=30)},
        defense_options={'netguard': fast},
        fid=False,
        baseline_n=20,
        device='cpu',
    )
    check_05_spread(r, 16)
    with pytest.raises(AssertionError):  # the two defenses mixed up
        check_05_spread(r | dict(aa=swap(r['aa'], 'original', 'netguard'), gap=-r['gap']), 16)
    with pytest.raises(AssertionError):  # a spread that falls like 1/n
        check_05_spread(r | dict(latents_to_halve=2 * 16), 16)
    one_seed = {d: v[:1] for d, v in r['aa'].items()}
    with pytest.raises(AssertionError):  # the guide's mistake: numbers from one seed, which show no spread
        check_05_spread(r | dict(aa=one_seed, spread=dict.fromkeys(one_seed, 0.0)), 16)
    halved = [ex05_eval.latents_to_halve(p, n) for p, n in [(0.5, 16), (0.9, 64), (0.0, 32)]]
    assert halved == [64, 256, 128]  # 4x the latents, computed from the pmf


def check_05_fid(r):
    "The Fréchet distance from 50 samples is biased upward: larger than from 800."
    assert r[50] > r[800] > 0


def test_05_fid_shrinks_with_samples(tiny):
    from netguard.train import fetch

    ((x, _),) = fetch(tiny['split'].private_test, [torch.arange(len(tiny['split'].private_test))])
    r = ex05_eval.exercise_3(tiny['G'], tiny['T'], x[:1000], sizes=(50, 800))
    check_05_fid(r)
    with pytest.raises(AssertionError):
        check_05_fid(swap(r, 50, 800))


def check_05_admi(r):
    """Ad-mi moves the confidences it returns but not the input gradient of the label's score, and the identity loss's
    gradient still points the same way."""
    assert r['grad_scale'] > 0 and r['grad_diff'] <= 1e-6 * max(1.0, r['grad_scale'])
    assert r['confidence_moved'] > 1e-3  # what it returns did change
    assert r['ce_cosine'] > 0.5  # the identity loss still points the same way


def test_05_admi_leaves_gradients(tiny):
    from netguard.train import fetch

    ((x, _),) = fetch(tiny['split'].private_test, [torch.arange(8)])
    r = ex05_eval.exercise_4(tiny['T'], tiny['split'].public, x, inv_steps=20)
    check_05_admi(r)
    with pytest.raises(AssertionError):  # a defense that changes the white-box gradient
        check_05_admi(r | dict(grad_diff=r['grad_scale']))
