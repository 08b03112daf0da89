# Copyright (c) mmconvnext_lstm contributors. All rights reserved.
"""Every config in configs/ parses, builds its model and runs its data
pipelines; the metafiles list the recipes."""
import glob
import os.path as osp

import numpy as np
import pytest
import yaml
from mmengine.config import Config
from mmengine.dataset import Compose
from mmengine.registry import init_default_scope
from mmpretrain.registry import MODELS

import mmconvnext_lstm  # noqa: F401 (registers the modules)

pytestmark = pytest.mark.unit

REPO_ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
CONFIG_ROOT = osp.join(REPO_ROOT, 'configs')
CONFIGS = sorted(
    osp.relpath(path, CONFIG_ROOT)
    for path in glob.glob(osp.join(CONFIG_ROOT, '**', '*.py'), recursive=True)
    if '_base_' not in path)
# Loading transforms read files; the pipelines are fed an image instead.
LOADING = ('LoadImageFromFile', 'CheckedLoadImageFromFile')


@pytest.fixture(scope='module', autouse=True)
def mmpretrain_scope():
    init_default_scope('mmpretrain')


def image_of(dataset_cfg) -> dict:
    """What the dataset gives the first transform after loading."""
    size = 64 if dataset_cfg.type == 'TinyImageNet' else 32
    img = np.random.default_rng(0).integers(
        0, 256, (size, size, 3), dtype=np.uint8)
    return dict(
        img=img, img_shape=img.shape[:2], ori_shape=img.shape[:2], gt_label=1)


@pytest.mark.parametrize('name', CONFIGS)
def test_config_builds_model_and_pipelines(name):
    cfg = Config.fromfile(osp.join(CONFIG_ROOT, name))
    model_cfg = cfg.model.copy()
    # As mmengine's Runner does: the top-level preprocessor (with the batch
    # augments) goes into the model.
    if cfg.get('data_preprocessor'):
        model_cfg.setdefault('data_preprocessor', cfg.data_preprocessor)
    model = MODELS.build(model_cfg)
    assert model.head.num_classes == cfg.data_preprocessor.num_classes
    for loader in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        dataset = cfg[loader].dataset
        pipeline = Compose(
            [t for t in dataset.pipeline if t.type not in LOADING])
        packed = pipeline(image_of(dataset))
        assert packed['inputs'].shape[0] == 3
        assert packed['data_samples'].gt_label.tolist() == [1]


def test_config_names_are_unique():
    # mim finds a config by its file name.
    names = [osp.basename(name) for name in CONFIGS]
    assert len(names) == len(set(names))


def test_tiny_imagenet_recipe_is_table_3():
    cfg = Config.fromfile(osp.join(CONFIG_ROOT, 'convnext_lstm_tiny.py'))
    assert cfg.optim_wrapper.optimizer == dict(
        type='AdamW', lr=4e-3, weight_decay=0.05, eps=1e-8, betas=(0.9, 0.999))
    assert cfg.train_dataloader.batch_size * 8 == 256
    assert cfg.auto_scale_lr.base_batch_size == 256
    assert cfg.train_cfg.max_epochs == 300
    warmup, cosine = cfg.param_scheduler
    assert (warmup.type, warmup.end,
            warmup.convert_to_iter_based) == ('LinearLR', 20, True)
    assert (cosine.type, cosine.begin) == ('CosineAnnealingLR', 20)
    steps = {t.type: t for t in cfg.train_dataloader.dataset.pipeline}
    assert cfg.train_dataloader.dataset.pipeline[0].type == \
        'CheckedLoadImageFromFile'
    assert steps['RandomResizedCrop'].scale == 224
    assert steps['RandomFlip'].prob == 0.5
    assert (steps['RandAugment'].magnitude_level,
            steps['RandAugment'].magnitude_std) == (9, 0.5)
    assert steps['RandomErasing'].erase_prob == 0.25
    assert cfg.data_preprocessor.batch_augments.augments == [
        dict(type='Mixup', alpha=0.2)
    ]
    assert cfg.model.head.loss == dict(
        type='LabelSmoothLoss',
        label_smooth_val=0.1,
        mode='original',
        loss_weight=1.0)
    assert cfg.model.backbone.layer_scale_init_value == 1e-6
    assert cfg.randomness.seed == 3407
    assert cfg.load_from is None
    assert 'Pretrained' not in str(cfg.model)
    assert cfg.val_dataloader.dataset.split == 'val'
    assert cfg.test_dataloader.dataset.split == 'val'
    # One inherits the other: the same recipe under both names.
    algorithm = Config.fromfile(
        osp.join(CONFIG_ROOT, 'convnext_lstm',
                 'convnext-lstm-tiny_8xb32_tiny-imagenet.py'))
    assert algorithm.to_dict() == cfg.to_dict()


@pytest.mark.parametrize('name, dataset, classes', [
    ('convnext_lstm/convnext-lstm-tiny_1xb128_cifar10.py', 'CIFAR10', 10),
    ('convnext_lstm/convnext-lstm-tiny_1xb128_cifar100.py', 'CIFAR100', 100),
])
def test_cifar_sgd_recipe_is_table_3(name, dataset, classes):
    cfg = Config.fromfile(osp.join(CONFIG_ROOT, name))
    assert cfg.optim_wrapper.optimizer == dict(
        type='SGD', lr=0.1, momentum=0.9, weight_decay=1e-4)
    assert cfg.param_scheduler == dict(
        type='MultiStepLR', by_epoch=True, milestones=[100, 150], gamma=0.1)
    assert cfg.train_cfg.max_epochs == 200
    assert cfg.train_dataloader.batch_size == 128
    # Trained at 32x32 (no resize), RandomCrop 32 pad 4, flip, nothing else.
    assert [t.type for t in cfg.train_dataloader.dataset.pipeline
            ] == ['RandomCrop', 'RandomFlip', 'PackInputs']
    assert cfg.train_dataloader.dataset.pipeline[0].padding == 4
    assert cfg.train_dataloader.dataset.type == dataset
    assert cfg.val_dataloader.dataset.split == 'test'
    assert cfg.model.head.num_classes == classes


@pytest.mark.parametrize('dataset', ['cifar10', 'cifar100'])
def test_cifar_adamw_recipe(dataset):
    cfg = Config.fromfile(
        osp.join(CONFIG_ROOT, 'convnext_lstm',
                 f'convnext-lstm-tiny_1xb128-adamw_{dataset}.py'))
    optimizer = cfg.optim_wrapper.optimizer
    assert (optimizer.type, optimizer.lr,
            optimizer.weight_decay) == ('AdamW', 1.25e-3, 0.05)
    assert cfg.train_cfg.max_epochs == 200
    assert cfg.auto_scale_lr.base_batch_size == 128
    sgd = Config.fromfile(
        osp.join(CONFIG_ROOT, 'convnext_lstm',
                 f'convnext-lstm-tiny_1xb128_{dataset}.py'))
    assert cfg.train_dataloader == sgd.train_dataloader


def test_metafiles_list_every_recipe():
    with open(osp.join(REPO_ROOT, 'model-index.yml')) as f:
        metafiles = yaml.safe_load(f)['Import']
    listed = []
    for metafile in metafiles:
        with open(osp.join(REPO_ROOT, metafile)) as f:
            for model in yaml.safe_load(f)['Models']:
                assert osp.isfile(osp.join(REPO_ROOT, model['Config']))
                assert osp.basename(model['Config']) == model['Name'] + '.py'
                accuracy = model['Results'][0]['Metrics']['Top 1 Accuracy']
                assert 0 < accuracy < 100
                listed.append(osp.relpath(model['Config'], 'configs'))
    recipes = [
        name for name in CONFIGS
        if osp.dirname(name) in ('convnext_lstm',
                                 'convnext_baseline') and 'demo' not in name
    ]
    assert sorted(listed) == recipes
