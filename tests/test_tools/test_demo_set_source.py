# Copyright (c) mmconvnext_lstm contributors. All rights reserved.
"""The committed demo set is what make_cifar10_demo.py cuts from the real
archive (../shared/data/cifar10-jpg.tar.gz; skipped without it)."""
import filecmp
import os.path as osp
import sys

import pytest
from e2e_utils import run

pytestmark = pytest.mark.e2e


def test_committed_demo_set_matches_the_archive(repo_root, shared_archive,
                                                tmp_path):
    archive = shared_archive('cifar10-jpg.tar.gz')
    run([
        sys.executable,
        osp.join(repo_root, 'tools', 'dataset_converters',
                 'make_cifar10_demo.py'), archive, '--out-dir', tmp_path
    ],
        cwd=tmp_path)
    comparison = filecmp.dircmp(
        osp.join(repo_root, 'demo', 'cifar10_demo'),
        tmp_path,
        ignore=['README.md'])
    # Same class folders and file names, and every file the same bytes.
    assert not comparison.left_only and not comparison.right_only
    for split in ('train', 'test'):
        for cls, folder in comparison.subdirs[split].subdirs.items():
            assert not folder.left_only and not folder.right_only, cls
            _, mismatch, errors = filecmp.cmpfiles(
                folder.left, folder.right, folder.common_files, shallow=False)
            assert not mismatch and not errors, cls
