# Copyright (c) mmconvnext_lstm contributors. All rights reserved.
"""The wheel ships the tools users run under ``.mim`` and leaves the GPU
acceptance harness (tools/gpu) out."""
import os.path as osp
import shutil
import subprocess
import sys
import zipfile

import pytest
from helpers import REPO_ROOT

pytestmark = pytest.mark.e2e


def test_the_wheel_leaves_tools_gpu_out(tmp_path):
    # Built from a copy of the tracked files, as make_bundle.sh does, so
    # that the checkout's own .mim (links of an editable install) stays.
    files = subprocess.run(['git', 'ls-files', '-z'],
                           cwd=REPO_ROOT,
                           capture_output=True,
                           check=True).stdout.decode().split('\0')
    source = tmp_path / 'source'
    for name in filter(None, files):
        if osp.isfile(osp.join(REPO_ROOT, name)):
            (source / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(osp.join(REPO_ROOT, name), source / name)
    subprocess.run([
        sys.executable, '-m', 'pip', 'wheel', '-q', '--no-deps',
        '--no-build-isolation', '-w',
        str(tmp_path / 'dist'),
        str(source)
    ],
                   check=True)
    wheel, = (tmp_path / 'dist').glob('mmconvnext_lstm-*.whl')
    names = zipfile.ZipFile(wheel).namelist()
    mim = 'mmconvnext_lstm/.mim/'
    for shipped in ('tools/train.py', 'tools/test.py', 'tools/dist_train.sh',
                    'tools/analysis_tools/benchmark.py', 'model-index.yml'):
        assert mim + shipped in names
    assert [n for n in names if n.startswith(mim + 'configs/')]
    assert not [n for n in names if n.startswith(mim + 'tools/gpu')]
