"Fixture trees on disk for the real dataset loaders (no download ever happens in tests)."

import struct
from pathlib import Path

import numpy as np
import pytest
from PIL import Image


@pytest.fixture(scope='session')
def docs_pages(tmp_path_factory):
    """Every notebook of nbs/ through nbdev's docs processing, once per test session (the page and browser tests share
    it): (folder of the processed copies, {name: summary})."""
    import time

    from browser_util import ROOT, process_for_docs

    out, t0 = tmp_path_factory.mktemp('docs') / 'proc', time.monotonic()
    notebooks = sorted((ROOT / 'nbs').glob('*.ipynb'))
    summary = process_for_docs(notebooks, out)
    print(f'\nnbdev docs processing of {len(notebooks)} notebooks: {time.monotonic() - t0:.1f} s')
    return out, summary


def write_idx_images(path: Path, images: np.ndarray):
    path.write_bytes(struct.pack('>IIII', 2051, len(images), 28, 28) + images.astype(np.uint8).tobytes())


def write_idx_labels(path: Path, labels: np.ndarray):
    path.write_bytes(struct.pack('>II', 2049, len(labels)) + labels.astype(np.uint8).tobytes())


@pytest.fixture
def mnist_root(tmp_path):
    "A tiny MNIST in torchvision's raw layout: 6 train and 3 test images per digit."
    raw = tmp_path / 'MNIST' / 'raw'
    raw.mkdir(parents=True)
    rng = np.random.default_rng(0)
    for prefix, per in [('train', 6), ('t10k', 3)]:
        labels = np.repeat(np.arange(10), per)
        images = rng.integers(0, 256, (len(labels), 28, 28))
        images[:, 0, 0] = labels * 20  # a pixel that tells the digit, to check labels follow images
        write_idx_images(raw / f'{prefix}-images-idx3-ubyte', images)
        write_idx_labels(raw / f'{prefix}-labels-idx1-ubyte', labels)
    return tmp_path


def _jpg(path: Path, size, seed):
    path.parent.mkdir(parents=True, exist_ok=True)
    arr = np.random.default_rng(seed).integers(0, 256, (size[1], size[0], 3), dtype=np.uint8)
    Image.fromarray(arr).save(path)


@pytest.fixture
def celeba_root(tmp_path):
    "A CelebA-shaped tree: celeba/img_align_celeba/*.jpg (178x218) and celeba/identity_CelebA.txt."
    base = tmp_path / 'celeba'
    counts = {2880: 5, 2937: 4, 8692: 4, 5805: 3, 9152: 2}  # identity -> images
    lines, k = [], 0
    for ident, n in counts.items():
        for _ in range(n):
            k += 1
            name = f'{k:06d}.jpg'
            _jpg(base / 'img_align_celeba' / name, (178, 218), k)
            lines.append(f'{name} {ident}')
    (base / 'identity_CelebA.txt').write_text('\n'.join(lines) + '\n')
    return tmp_path


@pytest.fixture
def face_trees(tmp_path):
    "The three folder layouts: PubFig (flat), FaceScrub (actors/actresses/faces/<name>), VGG-Face2 (train/<id>)."
    layouts = {
        'pubfig': {'Alan_Alda': 5, 'Anderson_Cooper': 4, 'Anne_Hathaway': 3, 'Barack_Obama': 3},
        'facescrub': {
            'actors/faces/Aaron_Eckhart': 5,
            'actors/faces/Adam_Brody': 3,
            'actresses/faces/Alyssa_Milano': 4,
            'actresses/faces/Anne_Hathaway': 3,
        },
        'vggface2': {'train/n000002': 5, 'train/n000003': 4, 'train/n000004': 3, 'train/n000005': 3},
    }
    roots, seed = {}, 0
    for layout, people in layouts.items():
        for person, n in people.items():
            for i in range(n):
                seed += 1
                ext = '.jpeg' if layout == 'facescrub' else '.jpg'
                _jpg(tmp_path / layout / person / f'{i:04d}{ext}', (96, 120), seed)
        roots[layout] = tmp_path / layout
    (tmp_path / 'pubfig' / 'README.txt').write_text('not an image')
    return roots
