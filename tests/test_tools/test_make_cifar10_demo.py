# Copyright (c) mmconvnext_lstm contributors. All rights reserved.
"""tools/dataset_converters/make_cifar10_demo.py on a stand-in archive, and
the committed demo set."""
import io
import os
import os.path as osp
import runpy
import sys
import tarfile

import pytest
from mmpretrain.datasets.categories import CIFAR10_CATEGORIES

pytestmark = pytest.mark.unit

TOOL = osp.join(
    osp.dirname(__file__), '..', '..', 'tools', 'dataset_converters',
    'make_cifar10_demo.py')


def make_archive(path, per_class=3):
    """A stand-in for cifar10-jpg.tar.gz whose 'JPEGs' hold their names,
    added in reverse so that archive order differs from file-name order."""
    with tarfile.open(path, 'w:gz') as archive:
        for split in ('train', 'test'):
            for cls in CIFAR10_CATEGORIES:
                for i in reversed(range(per_class)):
                    name = f'cifar10-jpg/{split}/{cls}/{i:04d}.jpg'
                    info = tarfile.TarInfo(name)
                    info.size = len(name)
                    archive.addfile(info, io.BytesIO(name.encode()))


def run_tool(monkeypatch, *args):
    monkeypatch.setattr(sys, 'argv', ['make_cifar10_demo.py', *map(str, args)])
    runpy.run_path(TOOL, run_name='__main__')


def test_takes_the_first_images_of_every_class(tmp_path, monkeypatch):
    archive = tmp_path / 'cifar.tar.gz'
    make_archive(archive)
    out = tmp_path / 'demo'
    (out / 'train' / 'stale').mkdir(parents=True)
    run_tool(monkeypatch, archive, '--out-dir', out, '--train-per-class', 2,
             '--test-per-class', 1)
    assert sorted(os.listdir(out / 'train')) == list(CIFAR10_CATEGORIES)
    assert sorted(os.listdir(out / 'train' /
                             'cat')) == ['0000.jpg', '0001.jpg']
    assert os.listdir(out / 'test' / 'dog') == ['0000.jpg']
    assert (out / 'train' / 'cat' / '0001.jpg').read_bytes() == \
        b'cifar10-jpg/train/cat/0001.jpg'


def test_too_few_images_is_a_clear_error(tmp_path, monkeypatch):
    archive = tmp_path / 'small.tar.gz'
    make_archive(archive, per_class=2)
    with pytest.raises(SystemExit, match='fewer than the 3 asked for'):
        run_tool(monkeypatch, archive, '--out-dir', tmp_path / 'demo',
                 '--train-per-class', 3)


def test_committed_demo_set_is_balanced(repo_root):
    root = osp.join(repo_root, 'demo', 'cifar10_demo')
    for split, count in (('train', 300), ('test', 100)):
        assert sorted(os.listdir(osp.join(root,
                                          split))) == list(CIFAR10_CATEGORIES)
        for cls in CIFAR10_CATEGORIES:
            assert len(os.listdir(osp.join(root, split, cls))) == count
