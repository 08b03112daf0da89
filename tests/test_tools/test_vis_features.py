# Copyright (c) mmconvnext_lstm contributors. All rights reserved.
"""tools/visualization/vis_features.py on the demo config."""
import os.path as osp
import sys

import mmcv
import pytest
from e2e_utils import run
from fresh_checkpoint import DEMO_CONFIG, DEMO_IMAGE, save_fresh_checkpoint

pytestmark = pytest.mark.e2e


def test_draws_every_stage_and_the_bilstm2d_map(repo_root, tmp_path):
    checkpoint = save_fresh_checkpoint(DEMO_CONFIG, str(tmp_path / 'm.pth'))
    out_file = tmp_path / 'maps' / 'features.png'
    out = run([
        sys.executable,
        osp.join(repo_root, 'tools', 'visualization',
                 'vis_features.py'), DEMO_IMAGE, DEMO_CONFIG, checkpoint,
        '--out-file', out_file, '--size', 64
    ],
              cwd=tmp_path).stdout
    assert f'Wrote {out_file}: stages 1-4, BiLSTM2D' in out
    # One 64 px panel per stage and one for the neck, side by side.
    assert mmcv.imread(str(out_file)).shape == (64, 5 * 64, 3)
