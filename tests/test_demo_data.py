# Copyright (c) mmconvnext_lstm contributors. All rights reserved.
import io
import os
import os.path as osp
import tarfile

import pytest

from mmconvnext_lstm.demo_data import (CIFAR10_CLASSES, DEMO_ROOT,
                                       make_cifar10_demo)

pytestmark = pytest.mark.unit


def _make_archive(path, per_class=3):
    """A stand-in for cifar10-jpg.tar.gz whose 'JPEGs' hold their names."""
    with tarfile.open(path, 'w:gz') as archive:
        for split in ('train', 'test'):
            for cls in CIFAR10_CLASSES:
                # Added in reverse so that order in the archive differs from
                # file-name order.
                for i in reversed(range(per_class)):
                    name = f'cifar10-jpg/{split}/{cls}/{i:04d}.jpg'
                    data = name.encode()
                    info = tarfile.TarInfo(name)
                    info.size = len(data)
                    archive.addfile(info, io.BytesIO(data))


def test_make_cifar10_demo_takes_the_first_images(tmp_path):
    archive = str(tmp_path / 'cifar.tar.gz')
    _make_archive(archive)
    out = tmp_path / 'demo'
    counts = make_cifar10_demo(archive, str(out), 2, 1)
    assert counts == {'train': 20, 'test': 10}
    assert sorted(os.listdir(out / 'train')) == list(CIFAR10_CLASSES)
    assert sorted(os.listdir(out / 'train' /
                             'cat')) == ['0000.jpg', '0001.jpg']
    assert os.listdir(out / 'test' / 'dog') == ['0000.jpg']
    # Bytes are copied unchanged.
    assert (out / 'train' / 'cat' / '0001.jpg').read_bytes() == \
        b'cifar10-jpg/train/cat/0001.jpg'
    # Running again replaces the splits (no leftovers of a larger cut).
    make_cifar10_demo(archive, str(out), 1, 1)
    assert os.listdir(out / 'train' / 'cat') == ['0000.jpg']


def test_make_cifar10_demo_errors(tmp_path):
    with pytest.raises(FileNotFoundError, match='cifar10-jpg.tar.gz'):
        make_cifar10_demo(str(tmp_path / 'missing.tar.gz'), str(tmp_path))
    archive = str(tmp_path / 'small.tar.gz')
    _make_archive(archive, per_class=2)
    with pytest.raises(ValueError, match='fewer than the 3'):
        make_cifar10_demo(archive, str(tmp_path / 'demo'), 3, 1)
    corrupt = tmp_path / 'corrupt.tar.gz'
    corrupt.write_bytes(b'not a tar file')
    with pytest.raises(ValueError, match='not a readable'):
        make_cifar10_demo(str(corrupt), str(tmp_path / 'demo'))


def test_committed_demo_set_is_balanced(repo_root):
    root = osp.join(repo_root, DEMO_ROOT)
    for split, count in (('train', 300), ('test', 100)):
        assert sorted(os.listdir(osp.join(root,
                                          split))) == list(CIFAR10_CLASSES)
        for cls in CIFAR10_CLASSES:
            assert len(os.listdir(osp.join(root, split, cls))) == count


def test_committed_demo_set_matches_the_archive(repo_root, shared_archive,
                                                tmp_path):
    archive = shared_archive('cifar10-jpg.tar.gz')
    make_cifar10_demo(archive, str(tmp_path))
    root = osp.join(repo_root, DEMO_ROOT)
    for split in ('train', 'test'):
        for cls in ('airplane', 'truck'):
            names = sorted(os.listdir(tmp_path / split / cls))
            assert names == sorted(os.listdir(osp.join(root, split, cls)))
            for name in names[:5] + names[-5:]:
                with open(osp.join(root, split, cls, name), 'rb') as f:
                    assert f.read() == (tmp_path / split / cls /
                                        name).read_bytes()
