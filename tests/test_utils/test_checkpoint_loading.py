# Copyright (c) mmconvnext_lstm contributors. All rights reserved.
"""mmengine checkpoints load under torch >= 2.6's weights-only default once
the package is imported, and nothing beyond them does."""
import io
import pickle

import numpy as np
import pytest
import torch
import torch.nn as nn
from mmengine.logging import HistoryBuffer, MessageHub
from mmengine.runner import load_checkpoint

import mmconvnext_lstm  # noqa: F401  applies the fix
from mmconvnext_lstm.utils import (allow_mmengine_checkpoints,
                                   checkpoint_safe_globals)
from mmconvnext_lstm.utils.checkpoint_loading import history_buffer_statistic

pytestmark = pytest.mark.unit

NUMPY_DTYPE_CLASSES = {
    f'numpy.dtypes.{name}DType'
    for name in ('Bool', 'Int8', 'Int16', 'Int32', 'Int64', 'UInt8', 'UInt16',
                 'UInt32', 'UInt64', 'Float16', 'Float32', 'Float64')
}
# Everything the package allow-lists, by the name a pickle refers to it.
EXPECTED_NAMES = {
    'mmengine.logging.history_buffer.HistoryBuffer',
    'builtins.getattr',
    'numpy.core.multiarray._reconstruct',
    'numpy._core.multiarray._reconstruct',
    'numpy.core.multiarray.scalar',
    'numpy._core.multiarray.scalar',
    'numpy.ndarray',
    'numpy.dtype',
} | NUMPY_DTYPE_CLASSES


def pickled_name(entry) -> str:
    """The name torch's unpickler matches an allow-list entry by."""
    if isinstance(entry, tuple):
        return entry[1]
    return f'{entry.__module__}.{entry.__qualname__}'


@pytest.fixture
def checkpoint(tmp_path):
    """A checkpoint as mmengine's runner writes one: weights, numpy meta and
    the message hub's HistoryBuffers."""
    model = nn.Linear(3, 2)
    hub = MessageHub.get_instance('test_checkpoint_loading')
    hub.update_scalar('train/loss', 1.5)
    hub.update_scalar('train/lr', np.float64(0.1))
    hub.update_info('best_score', np.float32(0.75))
    path = str(tmp_path / 'epoch_1.pth')
    torch.save(
        dict(
            meta=dict(
                seed=np.int64(3407),
                epoch=1,
                mean=np.array([0.5, 0.25], dtype=np.float32),
                dtype=np.dtype('float64'),
                flags=np.array([True, False])),
            state_dict=model.state_dict(),
            message_hub=hub.state_dict()), path)
    return path, model


def test_allow_list_is_exactly_what_mmengine_writes():
    names = [pickled_name(entry) for entry in checkpoint_safe_globals()]
    assert sorted(names) == sorted(EXPECTED_NAMES)
    getattr_entry = dict((pickled_name(e), e)
                         for e in checkpoint_safe_globals()
                         if isinstance(e, tuple))['builtins.getattr']
    assert getattr_entry[0] is history_buffer_statistic


def test_getattr_stand_in_gives_statistics_only():
    for name in ('min', 'max', 'current', 'mean'):
        assert history_buffer_statistic(HistoryBuffer,
                                        name) is getattr(HistoryBuffer, name)
    for owner, name in [(HistoryBuffer, '__init__'),
                        (HistoryBuffer, 'register_statistics'),
                        (HistoryBuffer.min, '__globals__'),
                        (getattr, '__self__'), (object, 'min')]:
        with pytest.raises(
                pickle.UnpicklingError,
                match=r"allows getattr only for the statistics methods of "
                r"mmengine's HistoryBuffer \(\['current', 'max', 'mean', "
                r"'min'\]\)"):
            history_buffer_statistic(owner, name)


def test_torch_load_default(checkpoint):
    path, model = checkpoint
    loaded = torch.load(path)  # weights_only=True by default
    assert loaded['meta']['seed'] == 3407
    assert loaded['meta']['dtype'] == np.dtype('float64')
    np.testing.assert_array_equal(loaded['meta']['mean'], [0.5, 0.25])
    np.testing.assert_array_equal(loaded['meta']['flags'], [True, False])
    buffer = loaded['message_hub']['log_scalars']['train/loss']
    assert buffer.current() == 1.5
    assert buffer.statistics('mean') == 1.5
    assert loaded['message_hub']['runtime_info']['best_score'] == 0.75
    assert torch.equal(loaded['state_dict']['weight'], model.weight)


def test_files_written_with_numpy_1_load():
    """numpy 1 named its rebuild helpers numpy.core.multiarray.*."""
    buffer = io.BytesIO()
    # The legacy format keeps the pickle as is, so names can be edited.
    torch.save(
        dict(mean=np.array([0.5]), seed=np.int64(7)),
        buffer,
        _use_new_zipfile_serialization=False)
    data = buffer.getvalue()
    assert data.count(b'numpy._core.multiarray') == 2
    numpy_1 = data.replace(b'numpy._core.multiarray', b'numpy.core.multiarray')
    loaded = torch.load(io.BytesIO(numpy_1))
    np.testing.assert_array_equal(loaded['mean'], [0.5])
    assert loaded['seed'] == 7
    # Another module's function of the same name stays refused.
    elsewhere = data.replace(b'numpy._core.multiarray', b'numpy.core.umath')
    with pytest.raises(pickle.UnpicklingError, match='Unsupported global'):
        torch.load(io.BytesIO(elsewhere))


def test_object_arrays_are_refused():
    buffer = io.BytesIO()
    torch.save(dict(values=np.array([1, 'a'], dtype=object)), buffer)
    with pytest.raises(pickle.UnpicklingError, match='ObjectDType'):
        torch.load(io.BytesIO(buffer.getvalue()))


def test_mmengine_load_checkpoint(checkpoint):
    path, model = checkpoint
    fresh = nn.Linear(3, 2)
    loaded = load_checkpoint(fresh, path, map_location='cpu')
    assert torch.equal(fresh.weight, model.weight)
    assert loaded['meta']['epoch'] == 1


def test_without_the_fix_torch_refuses(checkpoint):
    """The fix is what makes the tests above pass."""
    path, _ = checkpoint
    allowed = torch.serialization.get_safe_globals()
    torch.serialization.clear_safe_globals()
    try:
        with pytest.raises(Exception, match='Unsupported global'):
            torch.load(path)
        allow_mmengine_checkpoints()
        torch.load(path)
    finally:
        torch.serialization.clear_safe_globals()
        torch.serialization.add_safe_globals(allowed)
