# Copyright (c) mmconvnext_lstm contributors. All rights reserved.
"""Tiny synthetic copies of the datasets' on-disk layouts, for tests."""
import os
import os.path as osp
import pickle

import numpy as np
from mmpretrain.datasets.categories import CIFAR10_CATEGORIES
from PIL import Image


def make_tiny_imagenet(root: str,
                       wnids=('n01443537', 'n01629819', 'n01641577'),
                       train_per_class: int = 3,
                       val_per_class: int = 2,
                       num_test: int = 2,
                       size: int = 16,
                       grayscale_val: bool = True) -> str:
    """Write a ``tiny-imagenet-200`` folder with the official layout.

    Class ``i`` of ``wnids`` gets images of the constant grey level
    ``40 * (i + 1)``, so that tests can tell which file they read. When
    ``grayscale_val`` is True, the first val image is a one-channel (mode L)
    JPEG, as some of the real ones are.

    Returns:
        str: The ``tiny-imagenet-200`` folder.
    """
    root = osp.join(root, 'tiny-imagenet-200')
    with open(osp.join(_mkdir(root), 'wnids.txt'), 'w') as f:
        # The official file has no trailing newline.
        f.write('\n'.join(wnids))
    with open(osp.join(root, 'words.txt'), 'w') as f:
        f.write('n00001740\tentity\n')
        for wnid in reversed(wnids):  # any order: names are looked up
            f.write(f'{wnid}\tname of {wnid}, synonym\n')

    def image(path, label, mode='RGB'):
        level = 40 * (label + 1)
        color = level if mode == 'L' else (level, ) * 3
        Image.new(mode, (size, size), color).save(path, 'JPEG')

    for label, wnid in enumerate(wnids):
        folder = _mkdir(osp.join(root, 'train', wnid, 'images'))
        for i in range(train_per_class):
            image(osp.join(folder, f'{wnid}_{i}.JPEG'), label)
        with open(osp.join(root, 'train', wnid, f'{wnid}_boxes.txt'),
                  'w') as f:
            f.write(f'{wnid}_0.JPEG\t0\t0\t{size}\t{size}\n')
    folder = _mkdir(osp.join(root, 'val', 'images'))
    with open(osp.join(root, 'val', 'val_annotations.txt'), 'w') as f:
        index = 0
        for i in range(val_per_class):
            for label, wnid in enumerate(wnids):
                mode = 'L' if grayscale_val and index == 0 else 'RGB'
                image(osp.join(folder, f'val_{index}.JPEG'), label, mode)
                f.write(f'val_{index}.JPEG\t{wnid}\t0\t0\t{size}\t{size}\n')
                index += 1
    folder = _mkdir(osp.join(root, 'test', 'images'))
    for i in range(num_test):
        image(osp.join(folder, f'test_{i}.JPEG'), 0)
    return root


def make_cifar10(root: str, num_train: int = 16, num_test: int = 8) -> str:
    """Write ``cifar-10-batches-py`` with random images, as the pickles of
    the original archive (which mmpretrain's CIFAR10 checks by md5: read it
    with ``UncheckedCIFAR10`` from tests/test_tools/e2e_plugin.py).

    Returns:
        str: ``root``, the dataset's ``data_root``.
    """
    folder = _mkdir(osp.join(root, 'cifar-10-batches-py'))
    rng = np.random.default_rng(0)

    def batch(name, num):
        data = {
            'data': rng.integers(0, 256, (num, 3 * 32 * 32), dtype=np.uint8),
            'labels': [i % len(CIFAR10_CATEGORIES) for i in range(num)],
        }
        with open(osp.join(folder, name), 'wb') as f:
            pickle.dump(data, f)

    # The original splits the training set into five batches.
    sizes = np.array_split(np.arange(num_train), 5)
    for i, indices in enumerate(sizes, 1):
        batch(f'data_batch_{i}', len(indices))
    batch('test_batch', num_test)
    with open(osp.join(folder, 'batches.meta'), 'wb') as f:
        pickle.dump({'label_names': list(CIFAR10_CATEGORIES)}, f)
    return root


def _mkdir(path: str) -> str:
    os.makedirs(path, exist_ok=True)
    return path
