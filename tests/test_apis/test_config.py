# Copyright (c) mmconvnext_lstm contributors. All rights reserved.
import os.path as osp
from argparse import Namespace

import pytest
import torch
from mmengine.config import Config

from mmconvnext_lstm.apis import UsageError, merge_test_args, merge_train_args

pytestmark = pytest.mark.unit

RECIPE = osp.join(
    osp.dirname(__file__), '..', '..', 'configs', 'convnext_lstm',
    'convnext-lstm-tiny_1xb128_cifar10.py')


def train_args(**kwargs):
    args = dict(
        config=RECIPE,
        work_dir=None,
        resume=None,
        amp=False,
        no_validate=False,
        auto_scale_lr=False,
        no_pin_memory=False,
        no_persistent_workers=False,
        cfg_options=None,
        launcher='none')
    args.update(kwargs)
    return Namespace(**args)


def test_defaults():
    cfg = merge_train_args(Config.fromfile(RECIPE), train_args())
    assert cfg.work_dir == osp.join('./work_dirs',
                                    'convnext-lstm-tiny_1xb128_cifar10')
    assert cfg.launcher == 'none'
    assert cfg.resume is False
    assert cfg.train_dataloader.persistent_workers is True
    assert cfg.train_dataloader.collate_fn == dict(type='default_collate')


def test_resume_auto_and_from_a_file():
    cfg = merge_train_args(Config.fromfile(RECIPE), train_args(resume='auto'))
    assert (cfg.resume, cfg.load_from) == (True, None)
    cfg = merge_train_args(
        Config.fromfile(RECIPE), train_args(resume='work/epoch_3.pth'))
    assert (cfg.resume, cfg.load_from) == (True, 'work/epoch_3.pth')


def test_cfg_options_win_and_zero_workers_do_not_persist():
    cfg = merge_train_args(
        Config.fromfile(RECIPE),
        train_args(
            work_dir='w',
            cfg_options={
                'train_dataloader.num_workers': 0,
                'work_dir': 'x'
            }))
    assert cfg.work_dir == 'x'
    assert cfg.train_dataloader.persistent_workers is False
    assert cfg.val_dataloader.persistent_workers is True


def test_no_validate_and_auto_scale_lr():
    cfg = merge_train_args(
        Config.fromfile(RECIPE),
        train_args(no_validate=True, auto_scale_lr=True))
    assert cfg.val_dataloader is None and cfg.val_cfg is None
    assert cfg.auto_scale_lr == dict(base_batch_size=128, enable=True)


def test_auto_scale_lr_needs_a_base_batch():
    cfg_dict = Config.fromfile(RECIPE).to_dict()
    del cfg_dict['auto_scale_lr']
    cfg = Config(cfg_dict)
    with pytest.raises(UsageError, match='auto_scale_lr'):
        merge_train_args(cfg, train_args(auto_scale_lr=True))


@pytest.mark.skipif(torch.cuda.is_available(), reason='needs no GPU')
def test_amp_without_gpu():
    with pytest.raises(UsageError, match='--amp needs a GPU'):
        merge_train_args(Config.fromfile(RECIPE), train_args(amp=True))


def test_test_args_with_flip_tta():
    args = Namespace(
        config=RECIPE,
        checkpoint='epoch_1.pth',
        work_dir=None,
        amp=False,
        show=False,
        show_dir=None,
        interval=1,
        wait_time=2,
        tta=True,
        no_pin_memory=True,
        cfg_options=None,
        launcher='none')
    cfg = merge_test_args(Config.fromfile(RECIPE), args)
    assert cfg.load_from == 'epoch_1.pth'
    assert cfg.model.type == 'mmpretrain.AverageClsScoreTTA'
    assert cfg.model.module.type == 'ImageClassifier'
    assert cfg.test_dataloader.pin_memory is False
    assert cfg.test_dataloader.dataset.pipeline[-1].type == 'TestTimeAug'
