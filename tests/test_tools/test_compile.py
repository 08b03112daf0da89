# Copyright (c) mmconvnext_lstm contributors. All rights reserved.
"""``--cfg-options compile=...`` (mmengine's torch.compile option) with
tools/train.py and tools/test.py on a tiny ConvNeXt-LSTM.

The test compiles with the ``aot_eager`` backend: Dynamo's graph capture
(with its graph breaks at the LSTMs) and AOTAutograd's forward and backward
graphs, everything ``compile=True`` does but inductor's C++ code generation,
which takes minutes on two cores (docs/deployment.md)."""
import os.path as osp
import re
import sys

import pytest
from e2e_utils import run

pytestmark = pytest.mark.e2e

COMPILE = 'compile.backend=aot_eager'


def test_train_and_test_compiled(user_experiment, repo_root, tmp_path):
    work_dir = tmp_path / 'work'
    out = run([
        sys.executable,
        osp.join(repo_root, 'tools',
                 'train.py'), user_experiment, '--work-dir', work_dir,
        '--cfg-options', COMPILE, 'train_cfg.max_epochs=1'
    ],
              cwd=tmp_path).stdout
    assert 'Model has been "compiled"' in out
    losses = [float(v) for v in re.findall(r'\bloss: ([0-9.]+)', out)]
    assert len(losses) == 8 and all(0 < loss < 10 for loss in losses)
    assert (work_dir / 'epoch_1.pth').is_file()

    out = run([
        sys.executable,
        osp.join(repo_root, 'tools',
                 'test.py'), user_experiment, work_dir / 'epoch_1.pth',
        '--work-dir', tmp_path / 'test', '--cfg-options', COMPILE
    ],
              cwd=tmp_path).stdout
    assert 'Model has been "compiled"' in out
    assert re.search(r'accuracy/top1: [0-9.]+', out)
