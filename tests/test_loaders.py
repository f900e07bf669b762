"The real dataset loaders on small fixture trees, and their errors when data is missing."

import re

import pytest
import torch

from netguard.data import DatasetNotFound, Split, TensorImages, celeba, folder, labels_of, load_split, mnist, mnist5k


def _disjoint(split: Split):
    assert not set(split.private_names) & set(split.public_names)


def test_mnist_fixture(mnist_root):
    split = mnist(mnist_root, seed=0)
    assert split.image_shape == (1, 32, 32)
    assert (len(split.private_train), len(split.private_test), len(split.public)) == (30, 15, 30)
    assert split.private_names == ['0', '1', '2', '3', '4'] and split.public_names == ['5', '6', '7', '8', '9']
    _disjoint(split)
    x, y = split.public[0]
    assert x.shape == (1, 32, 32) and -1 <= x.min() and x.max() <= 1
    assert labels_of(split.private_test).bincount().tolist() == [3] * 5


def test_mnist_labels_follow_images(mnist_root):
    "Public label q is digit 5+q: the marker pixel (digit*20) survives the resize closely enough to tell."
    split = mnist(mnist_root, image_size=32)
    import torchvision

    raw = torchvision.datasets.MNIST(mnist_root, train=True, download=False)
    digits = raw.targets[raw.targets >= 5]
    assert torch.equal(split.public.labels + 5, digits)


def test_mnist_missing(tmp_path):
    with pytest.raises(DatasetNotFound, match=r'MNIST/raw.*train-images-idx3-ubyte.*mnist5k'):
        mnist(tmp_path)


def test_celeba_fixture(celeba_root):
    split = celeba(celeba_root, n_private=2, image_size=64, seed=0, test_fraction=0.25)
    assert split.private_names == ['id2880', 'id2937']  # the two most frequent (ties broken by id)
    assert split.public_names == ['id8692', 'id5805', 'id9152']
    _disjoint(split)
    assert len(split.private_train) + len(split.private_test) == 9 and len(split.public) == 9
    assert set(labels_of(split.private_test).tolist()) == {0, 1}  # every private identity is in test
    x, y = split.private_train[0]
    assert x.shape == (3, 64, 64) and x.dtype == torch.float32 and -1 <= x.min() and x.max() <= 1


def test_celeba_bad_n_private(celeba_root):
    with pytest.raises(ValueError, match='has 5 identities'):
        celeba(celeba_root, n_private=5)


def test_celeba_missing(tmp_path):
    with pytest.raises(DatasetNotFound, match=r'img_align_celeba.*identity_CelebA\.txt'):
        celeba(tmp_path)
    (tmp_path / 'celeba' / 'img_align_celeba').mkdir(parents=True)
    (tmp_path / 'celeba' / 'identity_CelebA.txt').write_text('000001.jpg 1\n')
    with pytest.raises(DatasetNotFound, match='none of the images'):
        celeba(tmp_path)


@pytest.mark.parametrize(
    'layout,expected_private',
    [
        ('pubfig', ['Alan_Alda', 'Anderson_Cooper']),
        ('facescrub', ['Aaron_Eckhart', 'Alyssa_Milano']),
        ('vggface2', ['n000002', 'n000003']),
    ],
)
def test_folder_layouts(face_trees, layout, expected_private):
    split = folder(face_trees[layout], n_private=2, image_size=32, seed=0)
    assert split.private_names == expected_private
    assert len(split.public_names) == 2
    _disjoint(split)
    x, _ = split.public[len(split.public) - 1]
    assert x.shape == (3, 32, 32)


def test_folder_named_private_and_grey(face_trees):
    split = folder(face_trees['pubfig'], private=['Barack_Obama'], channels=1, image_size=64)
    assert split.private_names == ['Barack_Obama'] and split.image_shape == (1, 64, 64)
    assert split.private_train[0][0].shape == (1, 64, 64)
    with pytest.raises(ValueError, match='not found'):
        folder(face_trees['pubfig'], private=['Nobody'])
    with pytest.raises(ValueError, match='exactly one of'):
        folder(face_trees['pubfig'])


def test_folder_missing(tmp_path):
    with pytest.raises(DatasetNotFound, match='one sub-folder of images per identity'):
        folder(tmp_path / 'nope', n_private=1)
    (tmp_path / 'empty').mkdir()
    with pytest.raises(DatasetNotFound, match='no images'):
        folder(tmp_path / 'empty', n_private=1)


def test_split_refuses_shared_classes():
    ds = TensorImages(torch.zeros(4, 1, 32, 32, dtype=torch.uint8), [0, 1, 0, 1])
    with pytest.raises(ValueError, match=r"share classes \['b'\]"):
        Split('x', ds, ds, ds, ['a', 'b'], ['b', 'c'], (1, 32, 32))
    with pytest.raises(ValueError, match='labels outside'):
        Split('x', ds, ds, ds, ['a', 'b'], ['c'], (1, 32, 32))


def test_mnist5k_split_is_disjoint_and_seeded():
    a, b = mnist5k(seed=3), mnist5k(seed=3)
    _disjoint(a)
    assert torch.equal(a.private_train.images, b.private_train.images)
    # train and test never share an image
    train = {bytes(x.numpy()) for x in a.private_train.images}
    assert not any(bytes(x.numpy()) in train for x in a.private_test.images)


def test_load_split_unknown():
    with pytest.raises(KeyError, match='mnist5k'):
        load_split('imagenet')


def test_celeba_bad_lines_name_file_and_line(celeba_root):
    ids = celeba_root / 'celeba' / 'identity_CelebA.txt'
    lines = ids.read_text().splitlines()
    for bad in ['000003.jpg Alice', '000003.jpg', '000003.jpg 12 extra']:
        ids.write_text('\n'.join(lines[:2] + [bad] + lines[3:]) + '\n')
        with pytest.raises(ValueError, match=r"identity_CelebA\.txt line 3: expected '<image file> <identity number>'"):
            celeba(celeba_root, n_private=2)
    ids.write_text('\n'.join(lines + ['', '999998.jpg 2880', '999999.jpg 5805']) + '\n')  # a blank line is fine
    with pytest.warns(UserWarning, match=r'skipped 2 of the 20 images listed in .*identity_CelebA\.txt.*999998\.jpg'):
        split = celeba(celeba_root, n_private=2)
    assert len(split.private_train) + len(split.private_test) + len(split.public) == 18
    assert 'skipped: 2 listed images not in' in split.summary()


def test_truncated_or_unreadable_image_names_the_file(face_trees):
    split = folder(face_trees['vggface2'], n_private=2, image_size=32)
    path = split.public.paths[0]
    path.write_bytes(path.read_bytes()[:200])  # a download cut short
    with pytest.raises(
        ValueError, match=rf'{path}: cannot read this image \(.*\); the file is truncated, damaged or not an image'
    ):
        split.public[0]
    path.write_bytes(b'<html>not found</html>')
    with pytest.raises(ValueError, match=rf'{path}: cannot read this image'):
        split.public[0]


def test_folder_counts_and_reports_what_it_skips(face_trees):
    with pytest.warns(UserWarning, match=r'skipped 1 files that are not images \(\.txt 1, e\.g\. README\.txt\)'):
        split = folder(face_trees['pubfig'], n_private=2, image_size=32)
    assert split.info['skipped'].startswith('1 files that are not images')


@pytest.mark.parametrize(
    'kwargs,says',
    [
        (dict(image_size=48), "image_size=48: netguard's models take square images of 32 or 64 px"),
        (dict(image_size=32.0), 'image_size=32.0'),
        (dict(channels=2), 'channels=2: images have 1 (grey) or 3 (colour) channels'),
    ],
)
def test_sizes_the_models_cannot_take_are_refused_up_front(face_trees, kwargs, says, tmp_path):
    with pytest.raises(ValueError, match=re.escape(says)):
        folder(face_trees['pubfig'], n_private=2, **kwargs)
    with pytest.raises(ValueError, match='choose image_size=32 or image_size=64'):
        mnist(tmp_path, image_size=28)  # refused before looking for the files


def test_cli_data_reads_a_face_folder(face_trees, tmp_path, capsys):
    from netguard import cli

    argv = [
        'data',
        '--dataset',
        'folder',
        '--root',
        str(face_trees['facescrub']),
        '--n-private',
        '2',
        '--image-size',
        '32',
        '--per-class',
        '2',
        '--out',
        str(tmp_path / 'grids'),
    ]
    assert cli.main(argv) == 0
    out = capsys.readouterr().out
    assert "split 'folder': images 3x32x32" in out and 'Aaron_Eckhart' in out
    assert sorted(p.name for p in (tmp_path / 'grids').iterdir()) == ['private_train.png', 'public.png']


def test_an_image_above_the_pixel_limit_names_the_file_before_decoding(face_trees, monkeypatch):
    "The limit is read from the header, before any pixel; PIL's own bomb check (a warning naming no file) never speaks."
    import warnings

    from PIL import Image

    import netguard.data as nd

    split = folder(face_trees['vggface2'], n_private=2, image_size=32)
    path = split.public.paths[0]  # 96x120
    monkeypatch.setattr(nd, 'MAX_IMAGE_PIXELS', 96 * 120 - 1)
    with warnings.catch_warnings():
        warnings.simplefilter('error')
        with pytest.raises(nd.BadImageFile, match=rf'{re.escape(str(path))}: more than .* megapixels.*\(96x120\)'):
            split.public[0]
        monkeypatch.setattr(Image, 'MAX_IMAGE_PIXELS', 5000)  # PIL refuses past 2 x 5000 pixels, in open itself
        with pytest.raises(nd.BadImageFile, match=rf'{re.escape(str(path))}: more than .*; shrink the image or delete'):
            split.public[0]
    monkeypatch.setattr(nd, 'MAX_IMAGE_PIXELS', 96 * 120)
    monkeypatch.setattr(Image, 'MAX_IMAGE_PIXELS', 96 * 120 - 1)  # PIL's warning alone: silenced, the image read
    with warnings.catch_warnings():
        warnings.simplefilter('error')
        assert split.public[0][0].shape == (3, 32, 32)


def test_load_split_passes_the_cache_to_the_loaders_that_write(tmp_path, monkeypatch):
    monkeypatch.setenv('NETGUARD_CACHE', str(tmp_path / 'default'))
    split = load_split('mnist5k-shift', n_per_class=3, cache=tmp_path / 'mine')
    assert len(split.public) == 2_500 + 30
    assert len(list((tmp_path / 'mine' / 'data').glob('digits-3x10-seed0-*.pt'))) == 1
    assert load_split('mnist5k', cache=tmp_path / 'mine').name == 'mnist5k'  # a loader that writes nothing ignores it
    assert not (tmp_path / 'default').exists()
