# Copyright (c) mmconvnext_lstm contributors. All rights reserved.
"""tools/visualization/vis_features.py on the demo config, with fresh
weights: the default picture shows structure, not a flat colour or speckle."""
import os.path as osp
import sys

import mmcv
import numpy as np
import pytest
import torch
import vis_features
from e2e_utils import run
from fresh_checkpoint import DEMO_CONFIG, DEMO_IMAGE, save_fresh_checkpoint

import mmconvnext_lstm  # noqa: F401

SIZE = 64


def lag_correlation(gray: np.ndarray, lag: int) -> float:
    """Correlation of a 2-D picture with itself shifted by ``lag`` pixels,
    down and right: about 1 for smooth shapes, about 0 for noise."""
    gray = gray - gray.mean()
    shifted = (gray[lag:] * gray[:-lag]).mean() + (gray[:, lag:] *
                                                   gray[:, :-lag]).mean()
    return shifted / (2 * gray.var())


@pytest.fixture(scope='module')
def demo_features(tmp_path_factory):
    """The demo image as the model sees it, and every map the tool draws."""
    checkpoint = save_fresh_checkpoint(
        DEMO_CONFIG, str(tmp_path_factory.mktemp('vis') / 'fresh.pth'))
    return vis_features.extract_features(DEMO_IMAGE, DEMO_CONFIG, checkpoint)


@pytest.mark.unit
def test_strongest_channel_varies_most():
    featmap = torch.zeros(3, 4, 4)
    featmap[0] = 5.  # large but flat
    featmap[1, :2] = 1.  # an edge
    featmap[2, 0, 0] = .1
    assert vis_features.strongest_channel(featmap) == 1


@pytest.mark.unit
@pytest.mark.parametrize('reduction, structured', [('strongest', True),
                                                   ('squeeze_mean', False)])
def test_default_panels_show_structure(demo_features, reduction, structured):
    """The stage 1 and 2 maps (8x8 and 4x4 at 32 px) are neither one colour
    nor speckle; mmengine's channel mean is speckle after a LayerNorm."""
    featmaps, image = demo_features
    panels = vis_features.feature_panels(featmaps, image, reduction, SIZE)
    assert [title.split(':')[0] for title, _ in panels
            ] == ['stage 1', 'stage 2', 'stage 3', 'stage 4', 'BiLSTM2D']
    assert panels[0][0].startswith('stage 1: 64x8x8')
    image = mmcv.imresize(image, (SIZE, SIZE)).astype(float)
    for (_, panel), featmap in zip(panels[:2], featmaps[:2]):
        assert panel.shape == (SIZE, SIZE, 3)
        # draw_featmap blends the heat map half and half with the image.
        heat = ((panel - 0.5 * image) / 0.5).mean(axis=2)
        assert heat.std() > 10  # grey levels: not one colour
        smooth = lag_correlation(heat, 1) > 0.9  # neighbours agree
        # and one map cell apart still partly: a shape, not interpolation
        cell = SIZE // featmap.shape[1]
        shaped = featmap.shape[1] < 8 or lag_correlation(heat, cell) > 0.3
        assert (smooth and shaped) == structured


@pytest.mark.e2e
def test_draws_every_stage_and_the_bilstm2d_map(repo_root, tmp_path):
    checkpoint = save_fresh_checkpoint(DEMO_CONFIG, str(tmp_path / 'm.pth'))
    out_file = tmp_path / 'maps' / 'features.png'
    out = run([
        sys.executable,
        osp.join(repo_root, 'tools', 'visualization',
                 'vis_features.py'), DEMO_IMAGE, DEMO_CONFIG, checkpoint,
        '--out-file', out_file, '--size', SIZE
    ],
              cwd=tmp_path).stdout
    assert f'Wrote {out_file}: stage 1: 64x8x8, channel' in out
    assert 'BiLSTM2D: 512x1x1' in out
    # Five panels side by side under a line of titles.
    height, width = mmcv.imread(str(out_file)).shape[:2]
    assert width == 5 * SIZE and height > SIZE
