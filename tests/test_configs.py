# Copyright (c) mmconvnext_lstm contributors. All rights reserved.
"""Every config in configs/ parses, builds its model and runs its data
pipelines; the tree inherits as configs/convnext_lstm/README.md says; every
recipe keeps the runtime of default_runtime.py; the metafiles list the
recipes.

Nothing here builds the runner's hooks: AtomicCheckpointHook and
MinClassNumCheckHook are checked by name only (they come with the checkpoint
work of mmconvnext_lstm.engine)."""
import glob
import os.path as osp
import re

import numpy as np
import pytest
from helpers import CONFIG_ROOT, REPO_ROOT, load_config, metafile_models
from mmengine.config import Config
from mmengine.dataset import Compose
from mmengine.registry import init_default_scope
from mmpretrain.models.backbones.convnext import ConvNeXtBlock
from mmpretrain.registry import MODELS

import mmconvnext_lstm  # noqa: F401 (registers the modules)

pytestmark = pytest.mark.unit

ALL_FILES = sorted(
    glob.glob(osp.join(CONFIG_ROOT, '**', '*.py'), recursive=True))
# The configs a user trains with (bases excluded), relative to configs/.
CONFIGS = [
    osp.relpath(path, CONFIG_ROOT) for path in ALL_FILES
    if '_base_' not in path
]
# Loading transforms read files; the pipelines are fed an image instead.
LOADING = ('LoadImageFromFile', 'CheckedLoadImageFromFile')
TINY_IMAGENET_RECIPE = (
    'convnext_lstm/convnext-lstm-tiny_8xb32_tiny-imagenet.py')


@pytest.fixture(scope='module', autouse=True)
def mmpretrain_scope():
    init_default_scope('mmpretrain')


def read(path) -> str:
    with open(path) as f:
        return f.read()


def bases_of(name) -> set:
    """Every file ``name`` inherits from, directly or not, relative to
    configs/."""
    path = osp.join(CONFIG_ROOT, name)
    found = set()
    for base in Config._get_base_files(path):
        base = osp.relpath(
            osp.normpath(osp.join(osp.dirname(path), base)), CONFIG_ROOT)
        found |= {base} | bases_of(base)
    return found


def shallow(backbone: dict) -> dict:
    """The backbone with one block per stage and narrow early stages: the
    same layers and output width, built in a fraction of the time (the
    full-size models are built by
    tests/test_tools/test_analysis_tools/test_full_size_counts.py)."""
    arch = backbone['arch']
    if isinstance(arch, str):
        arch = MODELS.get(backbone['type']).arch_settings[arch]
    *early, last = arch['channels']
    return dict(
        backbone,
        arch=dict(
            depths=[1] * len(arch['depths']),
            channels=[8 * 2**i for i in range(len(early))] + [last]))


def image_of(dataset_cfg) -> dict:
    """What the dataset gives the first transform after loading."""
    size = 64 if dataset_cfg.type == 'TinyImageNet' else 32
    img = np.random.default_rng(0).integers(
        0, 256, (size, size, 3), dtype=np.uint8)
    return dict(
        img=img, img_shape=img.shape[:2], ori_shape=img.shape[:2], gt_label=1)


@pytest.mark.parametrize('name', CONFIGS)
def test_config_builds_model_and_pipelines(name):
    cfg = load_config(name)
    model_cfg = cfg.model.copy()
    model_cfg.backbone = shallow(model_cfg.backbone)
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


@pytest.mark.parametrize('name', CONFIGS)
def test_every_recipe_keeps_the_runtime(name):
    """default_runtime.py's imports and hooks reach every recipe, so that
    mmpretrain's own tools/train.py runs it as ours does."""
    cfg = load_config(name)
    assert '_base_/default_runtime.py' in bases_of(name)
    assert cfg.custom_imports == dict(
        imports=['mmconvnext_lstm'], allow_failed_imports=False)
    assert cfg.default_hooks.checkpoint.type == 'AtomicCheckpointHook'
    assert [hook.type for hook in cfg.custom_hooks
            ][:2] == ['MinClassNumCheckHook', 'FlushDenormalHook']


def test_only_the_runtime_imports_the_package():
    imports = [
        osp.relpath(path, CONFIG_ROOT) for path in ALL_FILES
        if re.search(r'^custom_imports\b', read(path), re.MULTILINE)
    ]
    assert imports == ['_base_/default_runtime.py']


def test_config_names_are_unique():
    # mim finds a config by its file name.
    names = [osp.basename(name) for name in CONFIGS]
    assert len(names) == len(set(names))


def test_the_paper_command_names_an_alias():
    code = [
        line for line in read(osp.join(CONFIG_ROOT,
                                       'convnext_lstm_tiny.py')).split('\n')
        if line and not line.startswith('#')
    ]
    assert code == [f"_base_ = ['./{TINY_IMAGENET_RECIPE}']"]
    assert load_config('convnext_lstm_tiny.py').to_dict() == load_config(
        TINY_IMAGENET_RECIPE).to_dict()


def test_baselines_do_not_inherit_our_model():
    for name in CONFIGS:
        if load_config(name).model.backbone.type == 'ConvNeXt':
            bases = bases_of(name)
            assert '_base_/models/convnext/convnext-tiny.py' in bases, name
            assert ('_base_/models/convnext_lstm/convnext-lstm-tiny.py'
                    not in bases), name


def test_tiny_imagenet_head_is_written_once_per_model():
    """The design variants inherit the main recipe's 200-class head with
    label smoothing, and switch the block exactly as their model base."""
    head = load_config(TINY_IMAGENET_RECIPE).model.head
    assert head.num_classes == 200
    assert head.loss == dict(
        type='LabelSmoothLoss',
        label_smooth_val=0.1,
        mode='original',
        loss_weight=1.0)
    baseline = load_config(
        'convnext_baseline/convnext-tiny_8xb32_tiny-imagenet.py')
    assert dict(baseline.model.head, in_channels=512) == head
    for design in 'abc':
        name = (f'convnext_lstm/convnext-lstm-tiny-design-{design}'
                '_8xb32_tiny-imagenet.py')
        assert TINY_IMAGENET_RECIPE in bases_of(name)
        cfg = load_config(name)
        assert cfg.model.head == head
        model_base = load_config('_base_/models/convnext_lstm/'
                                 f'convnext-lstm-tiny-design-{design}.py')
        assert cfg.model.backbone == model_base.model.backbone
    writes_head = [
        osp.relpath(path, CONFIG_ROOT) for path in ALL_FILES
        if 'LabelSmoothLoss' in read(path)
    ]
    assert writes_head == [
        'convnext_baseline/convnext-tiny_8xb32_tiny-imagenet.py',
        TINY_IMAGENET_RECIPE
    ]


@pytest.mark.parametrize('model', ['model-c', 'model-f'])
def test_convnext_block_by_import_path(model, monkeypatch):
    """Models C and F name mmpretrain's ConvNeXtBlock by its import path,
    which mmengine's Registry.get resolves without a registration."""
    monkeypatch.delitem(MODELS._module_dict, 'ConvNeXtBlock', raising=False)
    cfg = load_config(
        f'_base_/models/convnext_lstm/convnext-lstm-tiny-{model}.py')
    backbone = MODELS.build(shallow(cfg.model.backbone))
    assert {type(block)
            for stage in backbone.stages
            for block in stage} == {ConvNeXtBlock}


def test_demo_has_its_own_bases():
    for name in ('convnext_lstm/convnext-lstm-tiny_1xb64_cifar10-demo.py',
                 'convnext_baseline/convnext-tiny-512_1xb64_cifar10-demo.py'):
        bases = bases_of(name)
        assert not any('tiny-imagenet' in base for base in bases), name
        cfg = load_config(name)
        assert cfg.train_cfg.max_epochs == 8
        assert cfg.train_dataloader.dataset.data_root == 'demo/cifar10_demo'
        assert cfg.model.backbone.drop_path_rate == 0


def test_tiny_imagenet_recipe_is_table_3():
    cfg = load_config(TINY_IMAGENET_RECIPE)
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
    assert cfg.model.head.loss.type == 'LabelSmoothLoss'
    assert cfg.model.backbone.layer_scale_init_value == 1e-6
    assert cfg.randomness.seed == 3407
    assert cfg.load_from is None
    assert 'Pretrained' not in str(cfg.model)
    assert cfg.val_dataloader.dataset.split == 'val'
    assert cfg.test_dataloader.dataset.split == 'val'


@pytest.mark.parametrize('name, dataset, classes', [
    ('convnext_lstm/convnext-lstm-tiny_1xb128_cifar10.py', 'CIFAR10', 10),
    ('convnext_lstm/convnext-lstm-tiny_1xb128_cifar100.py', 'CIFAR100', 100),
])
def test_cifar_sgd_recipe_is_table_3(name, dataset, classes):
    cfg = load_config(name)
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
    cfg = load_config(
        f'convnext_lstm/convnext-lstm-tiny_1xb128-adamw_{dataset}.py')
    optimizer = cfg.optim_wrapper.optimizer
    assert (optimizer.type, optimizer.lr,
            optimizer.weight_decay) == ('AdamW', 1.25e-3, 0.05)
    assert cfg.train_cfg.max_epochs == 200
    assert cfg.auto_scale_lr.base_batch_size == 128
    assert not any('tiny-imagenet' in base for base in bases_of(
        f'convnext_lstm/convnext-lstm-tiny_1xb128-adamw_{dataset}.py'))
    sgd = load_config(f'convnext_lstm/convnext-lstm-tiny_1xb128_{dataset}.py')
    assert cfg.train_dataloader == sgd.train_dataloader


def test_metafiles_list_every_recipe():
    listed = []
    for model in metafile_models():
        assert osp.isfile(osp.join(REPO_ROOT, model['Config']))
        assert osp.basename(model['Config']) == model['Name'] + '.py'
        # No weights are released: nothing may claim results.
        assert set(model) == {'Name', 'Metadata', 'In Collection',
                              'Config'}, model['Name']
        assert set(
            model['Metadata']) == {'Training Data', 'FLOPs',
                                   'Parameters'}, model['Name']
        listed.append(osp.relpath(model['Config'], 'configs'))
    recipes = [
        name for name in CONFIGS
        if osp.dirname(name) in ('convnext_lstm',
                                 'convnext_baseline') and 'demo' not in name
    ]
    assert sorted(listed) == recipes
