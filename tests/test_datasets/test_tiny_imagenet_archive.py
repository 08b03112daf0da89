# Copyright (c) mmconvnext_lstm contributors. All rights reserved.
"""TinyImageNet on the real archive from ../shared/data (tens of seconds:
it unpacks 20,000 images), skipped without it."""
import os.path as osp
import tarfile

import numpy as np
import pytest

from mmconvnext_lstm.datasets import TinyImageNet

pytestmark = pytest.mark.e2e

LOAD = [dict(type='CheckedLoadImageFromFile')]


def test_real_archive(tmp_path, shared_archive):
    """The real tiny-imagenet-200 layout (all of val, 50 train images per
    class) from ../shared/data."""
    with tarfile.open(shared_archive('tiny-imagenet-200-mini.tar.gz')) as tar:
        tar.extractall(tmp_path, filter='data')
    root = str(tmp_path / 'tiny-imagenet-200')
    train = TinyImageNet(root, split='train', pipeline=LOAD)
    val = TinyImageNet(root, split='val', pipeline=LOAD)
    assert (len(train), len(val)) == (10000, 10000)
    assert len(train.CLASSES) == 200
    assert np.bincount(val.get_gt_labels(), minlength=200).tolist() == \
        [50] * 200
    assert np.bincount(train.get_gt_labels()).tolist() == [50] * 200
    # wnids.txt order: its first line is the class of label 0.
    with open(osp.join(root, 'wnids.txt')) as f:
        first = f.readline().strip()
    assert train.metainfo['wnids'][0] == first
    assert osp.basename(train.get_data_info(0)['img_path']).startswith(first)
    # Every val image decodes to three channels, grayscale ones included.
    for i in range(0, len(val), 97):
        assert val[i]['img'].shape == (64, 64, 3)
