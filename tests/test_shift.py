"""The mnist5k-shift data: printed digits drawn from matplotlib's fonts, cached, and a split that shares class names,
never images."""

import pytest
import torch

import netguard.data as nd
from netguard.data import (
    HELD_OUT_FONTS,
    ImageFiles,
    Split,
    digit_fonts,
    draw_digits,
    mnist5k,
    mnist5k_shift,
    rendered_digits,
    shared_images,
)
from netguard.train import get_preset, role_data


def test_draw_digits_same_bits_whatever_the_threads():
    n = torch.get_num_threads()
    try:
        torch.set_num_threads(1)
        one = draw_digits(30, seed=5, chunk=64)
        torch.set_num_threads(2)
        two = draw_digits(30, seed=5, chunk=1000)
    finally:
        torch.set_num_threads(n)
    for a, b in zip(one, two):
        assert torch.equal(a, b)
    assert one[0].dtype == torch.uint8 and one[0].shape == (300, 1, 32, 32)


def test_rendered_digits_draws_once(tmp_path, monkeypatch):
    r = rendered_digits(10, seed=1, fonts=['DejaVuSerif', 'STIXGeneral'], cache=tmp_path)
    files = sorted(f.name for f in (tmp_path / 'data').iterdir())
    assert len(files) == 2 and files[1] == files[0] + '.sha256'  # the digits and their digest; no temporary file
    monkeypatch.setattr(nd, 'draw_digits', lambda *a, **k: pytest.fail('drew again instead of loading the cache'))
    again = rendered_digits(10, seed=1, fonts=['DejaVuSerif', 'STIXGeneral'], cache=tmp_path)
    assert torch.equal(again.images, r.images) and torch.equal(again.labels, r.labels)


def test_unknown_font_names_the_choices(tmp_path):
    with pytest.raises(ValueError, match='DejaVuSans'):
        rendered_digits(2, fonts=['Arial'], cache=tmp_path)


def test_shift_split_holds_out_computer_modern(tmp_path):
    s = mnist5k_shift(n_per_class=20, cache=tmp_path)
    assert set(s.info['fonts']) == set(digit_fonts()) - set(HELD_OUT_FONTS)
    held = rendered_digits(20, fonts=HELD_OUT_FONTS, cache=tmp_path)
    assert shared_images(held, s.public) == 0
    base = mnist5k()
    assert torch.equal(s.private_train.images, base.private_train.images)
    assert not base.shared_classes and base.all_names == [str(d) for d in range(10)]


def test_file_datasets_sharing_a_path_are_refused(tmp_path):
    paths = [tmp_path / f'{i}.png' for i in range(3)]
    with pytest.raises(ValueError, match='1 public images are also private'):
        Split(
            'files',
            ImageFiles(paths[:1], [0]),
            ImageFiles(paths[1:2], [0]),
            ImageFiles(paths[1:], [0, 1]),
            ['a'],
            ['b', 'c'],
            (3, 64, 64),
        )


def test_checker_of_mnist5k_is_unchanged():
    "The checker's data for mnist5k: private classes, then public class q as 5 + q, as before shared names existed."
    split = get_preset('mnist5k').split(0)
    tr, va, n = role_data(split, 'checker', 0)
    pub_tr, pub_va, _ = role_data(split, 'public', 0)
    assert n == 10
    assert torch.equal(tr.labels, torch.cat([split.private_train.labels, pub_tr.labels + 5]))
    assert torch.equal(va.images, torch.cat([split.private_test.images, pub_va.images]))
