# Copyright (c) mmconvnext_lstm contributors. All rights reserved.
"""tools/dist_train.sh with 2 processes: gloo on a machine without GPU, with
no change to the config."""
import os.path as osp

import pytest
from e2e_utils import NUM_TRAIN, checkpoint_meta, free_port, run
from helpers import needs_cpu_only

pytestmark = pytest.mark.e2e


@needs_cpu_only
def test_dist_train_two_processes_on_cpu(user_experiment, repo_root, tmp_path):
    work_dir = tmp_path / 'work'
    out = run([
        'bash',
        osp.join(repo_root, 'tools', 'dist_train.sh'), user_experiment, 2,
        '--work-dir', work_dir, '--cfg-options', 'train_cfg.max_epochs=1'
    ],
              cwd=tmp_path,
              env=dict(PORT=str(free_port()))).stdout
    assert 'Distributed training: True' in out
    assert "backend='gloo'" in out
    # Each process reads half of the data: 16 images / (2 x 2) per epoch.
    meta = checkpoint_meta(work_dir / 'epoch_1.pth')
    assert (meta['epoch'], meta['iter']) == (1, NUM_TRAIN // 4)
