# Copyright (c) mmconvnext_lstm contributors. All rights reserved.
"""The paper's Tiny ImageNet recipe (configs/convnext_lstm_tiny.py) end to
end on a synthetic tiny-imagenet-200, shrunk with --cfg-options only: our
tools, mmpretrain's own test tool and ours through mim, resume through mim.
"""
import json
import os.path as osp
import sys

import pytest
from e2e_utils import BIN, checkpoint_meta, run
from helpers import load_config
from mmengine.config import Config
from synthetic_datasets import make_tiny_imagenet

pytestmark = pytest.mark.e2e

CONFIG = 'configs/convnext_lstm_tiny.py'
TRAIN_IMAGES = 6  # 3 classes x 2; batch 3: 2 iterations per epoch


def shrink(data_root):
    """--cfg-options that keep the recipe but make it quick: the data root,
    32 px crops instead of 224, small batches, no worker processes, and a
    1-epoch warm-up (the recipe's 20 do not fit in 2 or 3 epochs)."""
    options = [
        'param_scheduler.0.end=1',
        'param_scheduler.1.begin=1',
        'train_dataloader.dataset.pipeline.1.scale=32',
        'val_dataloader.dataset.pipeline.1.scale=36',
        'val_dataloader.dataset.pipeline.2.crop_size=32',
        'test_dataloader.dataset.pipeline.1.scale=36',
        'test_dataloader.dataset.pipeline.2.crop_size=32',
        'default_hooks.logger.interval=1',
    ]
    for loader in ('train', 'val', 'test'):
        options += [
            f'{loader}_dataloader.dataset.data_root={data_root}',
            f'{loader}_dataloader.batch_size=3',
            f'{loader}_dataloader.num_workers=0',
            f'{loader}_dataloader.persistent_workers=False',
        ]
    return options


def test_tiny_imagenet_recipe_end_to_end(repo_root, tmp_path):
    data_root = make_tiny_imagenet(
        str(tmp_path / 'data'), train_per_class=2, val_per_class=1)
    config = osp.join(repo_root, CONFIG)
    work_dir = tmp_path / 'work'
    options = shrink(data_root)

    out = run([
        sys.executable,
        osp.join(repo_root, 'tools', 'train.py'), config, '--work-dir',
        work_dir, '--cfg-options', 'train_cfg.max_epochs=2', *options
    ],
              cwd=tmp_path).stdout
    # The run used the recipe (tests/test_configs.py holds it to Table 3),
    # apart from what was shrunk: the dumped config is what the runner ran.
    cfg = Config.fromfile(work_dir / 'convnext_lstm_tiny.py')
    recipe = load_config('convnext_lstm_tiny.py')
    for key in ('model', 'optim_wrapper', 'data_preprocessor', 'randomness',
                'auto_scale_lr'):
        assert cfg[key] == recipe[key], key
    assert cfg.train_dataloader.dataset.pipeline[2:] == \
        recipe.train_dataloader.dataset.pipeline[2:]
    assert cfg.val_dataloader.dataset.split == 'val'
    checkpoint = work_dir / 'epoch_2.pth'
    meta = checkpoint_meta(checkpoint)
    assert (meta['epoch'], meta['iter']) == (2, 2 * TRAIN_IMAGES // 3)
    assert meta['dataset_meta']['classes'][0] == 'name of n01443537, synonym'

    # Our test tool, then mmpretrain's own (through mim) on our config.
    metrics = tmp_path / 'ours.json'
    run([
        sys.executable,
        osp.join(repo_root, 'tools',
                 'test.py'), config, checkpoint, '--work-dir', work_dir,
        '--out', metrics, '--out-item', 'metrics', '--cfg-options', *options
    ],
        cwd=tmp_path)
    ours = json.loads(metrics.read_text())
    assert set(ours) == {'accuracy/top1', 'accuracy/top5'}
    metrics = tmp_path / 'mmpretrain.json'
    out = run([
        osp.join(BIN, 'mim'), 'test', 'mmpretrain', config, '--checkpoint',
        checkpoint, '--work-dir', work_dir, '--out', metrics, '--out-item',
        'metrics', '--cfg-options', *options
    ],
              cwd=tmp_path).stdout
    assert 'mmpretrain/.mim/tools/test.py' in out
    assert json.loads(metrics.read_text()) == ours

    # mim with our package: the config by name; resume to a third epoch.
    out = run([
        osp.join(BIN, 'mim'), 'train', 'mmconvnext_lstm',
        'convnext_lstm_tiny.py', '--work-dir', work_dir, '--resume',
        '--cfg-options', 'train_cfg.max_epochs=3', *options
    ],
              cwd=tmp_path).stdout
    assert f'resumed epoch: 2, iter: {2 * TRAIN_IMAGES // 3}' in out
    checkpoint = work_dir / 'epoch_3.pth'
    meta = checkpoint_meta(checkpoint)
    assert (meta['epoch'], meta['iter']) == (3, 3 * TRAIN_IMAGES // 3)
    out = run([
        osp.join(BIN, 'mim'), 'test', 'mmconvnext_lstm',
        'convnext_lstm_tiny.py', '--checkpoint', checkpoint, '--work-dir',
        work_dir, '--cfg-options', *options
    ],
              cwd=tmp_path).stdout
    assert 'mmconvnext_lstm/.mim/tools/test.py' in out
    assert 'accuracy/top1' in out
