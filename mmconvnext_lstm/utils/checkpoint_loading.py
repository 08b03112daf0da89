# Copyright (c) mmconvnext_lstm contributors. All rights reserved.
"""Let mmengine checkpoints load under ``torch.load(weights_only=True)``,
and nothing more.

Since torch 2.6, ``torch.load`` only unpickles allow-listed globals.
mmengine checkpoints carry the message hub's ``HistoryBuffer`` and numpy
arrays, dtypes and scalars, so ``tools/test.py``, ``--resume``,
``load_from`` and ``mim test`` fail with "Unsupported global".

``HistoryBuffer`` pickles its statistics methods as
``getattr(HistoryBuffer, 'min')``. Allow-listing the real ``getattr`` would
let a crafted file reach any attribute (``__globals__``, ``__self__``...),
rewrite module globals and run code. Instead, the name ``builtins.getattr``
is bound to :func:`history_buffer_statistic`, which returns nothing but
HistoryBuffer's own statistics methods.
"""
import pickle

import numpy as np
import torch
from mmengine.logging import HistoryBuffer
from mmengine.utils import digit_version

# Registers mmengine's default statistics (min, max, current, mean).
HistoryBuffer()
# The statistics HistoryBuffer defines itself, by name; user-registered
# statistics are pickled as their own functions, not through getattr.
_STATISTICS = {
    name: method
    for name, method in HistoryBuffer._statistics_methods.items()
    if vars(HistoryBuffer).get(name) is method
}

# numpy's bool, integer and float dtypes: the ones mmengine's logs,
# metrics and meta hold. Object, string and void dtypes are left out.
_NUMPY_DTYPES = ('bool', 'int8', 'int16', 'int32', 'int64', 'uint8', 'uint16',
                 'uint32', 'uint64', 'float16', 'float32', 'float64')


def history_buffer_statistic(owner: type, name: str):
    """Stand-in for ``getattr`` while unpickling under ``weights_only``.

    Args:
        owner (type): Must be ``HistoryBuffer``.
        name (str): One of HistoryBuffer's statistics (``min``, ``max``,
            ``current``, ``mean``).

    Returns:
        Callable: The statistics method ``HistoryBuffer.<name>``.

    Raises:
        pickle.UnpicklingError: Anything else is asked for.
    """
    if owner is HistoryBuffer and name in _STATISTICS:
        return _STATISTICS[name]
    raise pickle.UnpicklingError(
        f'Refused getattr({owner!r}, {name!r}) in a weights-only load: '
        'mmconvnext_lstm allows getattr only for the statistics methods of '
        f'mmengine\'s HistoryBuffer ({sorted(_STATISTICS)}). This file is '
        'not a checkpoint written by mmengine; do not load it unless you '
        'trust its source.')


def _numpy_checkpoint_globals() -> list:
    """Numpy globals in mmengine checkpoints, with their pickled names."""
    # numpy 2 moved the pickling helpers to ``numpy._core`` (the name it
    # writes); files written with numpy 1 name ``numpy.core``.
    multiarray = getattr(np, '_core', None) or np.core
    rebuilders = [(getattr(multiarray.multiarray,
                           name), f'{package}.multiarray.{name}')
                  for name in ('_reconstruct', 'scalar')
                  for package in ('numpy.core', 'numpy._core')]
    # An unpickled dtype is built (BUILD) as an instance of its own class
    # (numpy.dtypes.Float64DType...), so each class must be allowed.
    dtype_classes = [type(np.dtype(name)) for name in _NUMPY_DTYPES]
    return [*rebuilders, np.ndarray, np.dtype, *dtype_classes]


def checkpoint_safe_globals() -> list:
    """What :func:`allow_mmengine_checkpoints` adds to torch's allow-list.

    Returns:
        list: Globals and ``(global, pickled name)`` tuples, in the form
        ``torch.serialization.add_safe_globals`` takes.
    """
    return [
        HistoryBuffer, (history_buffer_statistic, 'builtins.getattr'),
        *_numpy_checkpoint_globals()
    ]


def allow_mmengine_checkpoints() -> None:
    """Allow-list exactly the globals mmengine writes into checkpoints.

    A no-op before torch 2.6: ``torch.load`` there defaults to
    ``weights_only=False`` and ``add_safe_globals`` takes no names.
    """
    if digit_version(torch.__version__) < digit_version('2.6.0'):
        return
    torch.serialization.add_safe_globals(checkpoint_safe_globals())
