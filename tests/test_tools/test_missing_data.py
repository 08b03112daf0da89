# Copyright (c) mmconvnext_lstm contributors. All rights reserved.
from urllib.error import URLError

import pytest
from mmengine.config import Config
from mmpretrain.datasets import CIFAR10, CustomDataset

from missing_data import explain_missing_data
from mmconvnext_lstm.datasets import TinyImageNet
from mmconvnext_lstm.utils.errors import ConfigError

pytestmark = pytest.mark.unit

TRAIN_AND_VAL = ('train_dataloader', 'val_dataloader')


def loaders(test=None, **dataset):
    loader = dict(dataset=dataset)
    return Config(
        dict(
            train_dataloader=loader,
            val_dataloader=loader,
            test_dataloader=test))


def test_failed_download_says_where_the_files_go(tmp_path):
    data_root = tmp_path / 'cifar10'
    cfg = loaders(type='CIFAR10', data_root=str(data_root))
    with pytest.raises(ConfigError) as info:
        with explain_missing_data(cfg, *TRAIN_AND_VAL):
            raise URLError('[Errno -3] Temporary failure in name resolution')
    message = str(info.value)
    assert message.startswith('A dataset has no files on this machine and '
                              'downloading them failed ([Errno -3]')
    # Once, though two loaders read it.
    assert message.count(f'CIFAR10 needs {data_root}/cifar-10-batches-py') == 1
    assert ('from train_dataloader.dataset.data_root and '
            'val_dataloader.dataset.data_root:') in message
    assert (f'`tar -xzf cifar-10-python.tar.gz -C {data_root}`' in message)
    assert ('--cfg-options train_dataloader.dataset.data_root=DIR '
            'val_dataloader.dataset.data_root=DIR.') in message


def test_cifar_that_may_not_download_names_the_archive(tmp_path):
    data_root = str(tmp_path / 'cifar10')
    cfg = loaders(type='CIFAR10', data_root=data_root, download=False)
    with pytest.raises(ConfigError, match='cifar-10-python.tar.gz') as info:
        with explain_missing_data(cfg, *TRAIN_AND_VAL):
            CIFAR10(data_root=data_root, download=False)
    assert 'downloading them failed' not in str(info.value)
    assert isinstance(info.value.__cause__, RuntimeError)


def test_missing_data_root_names_the_path_and_the_key(tmp_path):
    data_root = str(tmp_path / 'nowhere')
    cfg = loaders(
        type='CustomDataset', data_root=data_root, data_prefix='train')
    with pytest.raises(ConfigError) as info:
        with explain_missing_data(cfg, 'train_dataloader'):
            CustomDataset(data_root=data_root, data_prefix='train')
    assert str(info.value) == (
        f'A dataset has no files on this machine. CustomDataset needs '
        f'{data_root} (resolved to {data_root}), from '
        'train_dataloader.dataset.data_root: put the dataset there, or point '
        'it at where it is: --cfg-options '
        'train_dataloader.dataset.data_root=DIR.')


def test_missing_prefix_folder_is_named(tmp_path):
    cfg = loaders(
        type='CustomDataset', data_root=str(tmp_path), data_prefix='train')
    with pytest.raises(ConfigError, match=f'needs {tmp_path}/train '):
        with explain_missing_data(cfg, 'train_dataloader'):
            raise FileNotFoundError(str(tmp_path / 'train'))


def test_our_datasets_say_what_the_folder_must_hold(tmp_path):
    data_root = str(tmp_path / 'tiny-imagenet-200')
    cfg = loaders(type='TinyImageNet', data_root=data_root)
    with pytest.raises(ConfigError) as info:
        with explain_missing_data(cfg, *TRAIN_AND_VAL):
            TinyImageNet(data_root)
    message = str(info.value)
    assert f'TinyImageNet needs {data_root} (resolved to' in message
    assert 'wnids.txt, words.txt' in message  # TinyImageNet's own message


def test_errors_while_the_folders_exist_pass_unchanged(tmp_path):
    # The data is there: the failed download was something else's.
    (tmp_path / 'cifar-10-batches-py').mkdir()
    cfg = loaders(type='CIFAR10', data_root=str(tmp_path))
    with pytest.raises(URLError, match='weights'):
        with explain_missing_data(cfg, *TRAIN_AND_VAL):
            raise URLError('weights')
    # A loader the block does not build is not blamed.
    cfg = loaders(
        test=dict(dataset=dict(type='CustomDataset', data_root='/nowhere')),
        type='CustomDataset',
        data_root=str(tmp_path))
    with pytest.raises(FileNotFoundError, match='an image'):
        with explain_missing_data(cfg, *TRAIN_AND_VAL):
            raise FileNotFoundError('an image')
