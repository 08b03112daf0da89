# Copyright (c) mmconvnext_lstm contributors. All rights reserved.
"""What a user debugging a run sets, through tools/train.py: values that
work (no loader workers, a small subset) say what they change; values that
cannot work stop with one ``error: ...`` line that says what to set."""
import os
import os.path as osp
import sys

import pytest
from e2e_utils import SMALL_MODEL, run, usage_error
from synthetic_datasets import make_tiny_imagenet

pytestmark = pytest.mark.e2e

DEMO = 'configs/convnext_lstm/convnext-lstm-tiny_1xb64_cifar10-demo.py'
TINY_IMAGENET = 'configs/convnext_lstm_tiny.py'
# The demo config with a small model, reading the demo set by absolute path
# (the tests run from another folder).
SMALL_DEMO = """\
_base_ = ['{config}']
data_root = '{data_root}'
train_dataloader = dict(batch_size=4, dataset=dict(data_root=data_root))
val_dataloader = dict(dataset=dict(data_root=data_root))
test_dataloader = val_dataloader
""" + SMALL_MODEL


@pytest.fixture(scope='module')
def small_demo(tmp_path_factory, repo_root):
    config = tmp_path_factory.mktemp('config') / 'small_demo.py'
    config.write_text(
        SMALL_DEMO.format(
            config=osp.join(repo_root, DEMO),
            data_root=osp.join(repo_root, 'demo', 'cifar10_demo')))
    return config


def train(repo_root, config, tmp_path, *options, check=True):
    """tools/train.py on ``config`` with ``options`` (--cfg-options first)."""
    cmd = [
        sys.executable,
        osp.join(repo_root, 'tools', 'train.py'), config, '--work-dir',
        tmp_path / 'work', '--cfg-options', *options
    ]
    if check:
        return run(cmd, cwd=tmp_path).stdout
    return usage_error(cmd, tmp_path)


def test_no_workers_and_a_class_sorted_subset_train_and_say_so(
        small_demo, repo_root, tmp_path):
    out = train(repo_root, small_demo, tmp_path,
                'train_dataloader.num_workers=0',
                'train_dataloader.dataset.indices=8', 'train_cfg.max_epochs=1',
                '--no-validate')
    assert (tmp_path / 'work' / 'epoch_1.pth').is_file()
    assert out.count('persistent_workers is switched off') == 1
    assert 'train_dataloader.num_workers is 0' in out
    # The demo folder lists its images class by class: the first 8 are
    # airplanes.
    assert out.count('train_dataloader.dataset.indices=8 selects 8 images '
                     'of only 1 of the 10 classes') == 1


def test_missing_data_root_names_the_path_and_the_key(small_demo, repo_root,
                                                      tmp_path):
    missing = tmp_path / 'nowhere' / 'cifar10_demo'
    message = train(
        repo_root,
        small_demo,
        tmp_path,
        f'train_dataloader.dataset.data_root={missing}',
        check=False)
    assert message.startswith('error: A dataset has no files on this machine.')
    assert f'CustomDataset needs {missing} ' in message
    assert '--cfg-options train_dataloader.dataset.data_root=DIR' in message


def test_test_tool_names_the_test_data_root(small_demo, repo_root, tmp_path):
    missing = tmp_path / 'nowhere'
    # The test set is read before the checkpoint, which need not exist.
    message = usage_error([
        sys.executable,
        osp.join(repo_root, 'tools', 'test.py'), small_demo,
        tmp_path / 'epoch_1.pth', '--work-dir', tmp_path / 'work',
        '--cfg-options', f'test_dataloader.dataset.data_root={missing}'
    ], tmp_path)
    assert f'CustomDataset needs {missing} ' in message
    assert '--cfg-options test_dataloader.dataset.data_root=DIR' in message


@pytest.mark.parametrize('removed', ['wnids.txt', 'val/val_annotations.txt'])
def test_incomplete_tiny_imagenet_names_the_missing_file(
        removed, repo_root, tmp_path):
    data_root = make_tiny_imagenet(str(tmp_path / 'data'))
    os.remove(osp.join(data_root, removed))
    message = train(
        repo_root,
        osp.join(repo_root, TINY_IMAGENET),
        tmp_path,
        f'train_dataloader.dataset.data_root={data_root}',
        f'val_dataloader.dataset.data_root={data_root}',
        check=False)
    assert message.startswith('error: Tiny ImageNet: ')
    assert f'{osp.join(data_root, removed)} not found' in message
    assert 'Expected the official tiny-imagenet-200 layout' in message


def test_model_config_error_is_one_error_line(small_demo, repo_root, tmp_path):
    """A ConfigError raised while the runner builds the model."""
    config = tmp_path / 'refused.py'
    config.write_text(f"""\
_base_ = ['{small_demo}']
custom_imports = dict(imports=['mmconvnext_lstm', 'e2e_plugin'])
model = dict(backbone=dict(_delete_=True, type='RefusingBackbone', depth=0))
""")
    message = train(
        repo_root, config, tmp_path, 'train_cfg.max_epochs=1', check=False)
    assert message == ('error: depth must be positive, got 0: set '
                       'model.backbone.depth to 1 or more.')


@pytest.mark.parametrize('option, words', [
    ('model.backbone.drop_path_rate=1.0', 'drop_path_rate'),
    ('model.backbone.drop_path_rate=-0.1', '-0.1'),
    ('model.backbone.arch=huge', 'arch'),
    ('model.neck.hidden_channels=0', 'hidden_channels'),
])
def test_bad_model_values_are_one_error_line(option, words, small_demo,
                                             repo_root, tmp_path):
    message = train(repo_root, small_demo, tmp_path, option, check=False)
    assert message.startswith('error: ')
    assert words in message
