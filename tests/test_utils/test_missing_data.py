# Copyright (c) mmconvnext_lstm contributors. All rights reserved.
from urllib.error import URLError

import pytest
from mmengine.config import Config

from mmconvnext_lstm.utils.errors import UsageError
from mmconvnext_lstm.utils.missing_data import explain_download_errors

pytestmark = pytest.mark.unit


def cifar_config(data_root):
    loader = dict(dataset=dict(type='CIFAR10', data_root=str(data_root)))
    return Config(
        dict(
            train_dataloader=loader,
            val_dataloader=loader,
            test_dataloader=None))


def test_failed_download_says_where_the_files_go(tmp_path):
    data_root = tmp_path / 'cifar10'
    with pytest.raises(UsageError) as info:
        with explain_download_errors(cifar_config(data_root)):
            raise URLError('[Errno -3] Temporary failure in name resolution')
    message = str(info.value)
    assert message.startswith('A dataset has no files on this machine and '
                              'downloading them failed ([Errno -3]')
    # Once, though two loaders read it.
    assert message.count(f'CIFAR10 needs {data_root}/cifar-10-batches-py') == 1
    assert (f'`tar -xzf cifar-10-python.tar.gz -C {data_root}`' in message)
    assert 'train_dataloader.dataset.data_root=DIR' in message


def test_other_download_errors_pass_unchanged(tmp_path):
    # The data is there: the failed download was something else's.
    (tmp_path / 'cifar-10-batches-py').mkdir()
    with pytest.raises(URLError, match='weights'):
        with explain_download_errors(cifar_config(tmp_path)):
            raise URLError('weights')
