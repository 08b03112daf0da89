# Copyright (c) mmconvnext_lstm contributors. All rights reserved.
"""Let mmengine checkpoints load under ``torch.load(weights_only=True)``.

Since torch 2.6, ``torch.load`` only unpickles allow-listed types. mmengine
checkpoints carry the message hub's ``HistoryBuffer`` and numpy arrays,
dtypes and scalars in their ``message_hub`` and ``meta`` entries, so
``tools/test.py``, ``--resume``, ``load_from`` and ``mim test`` fail with
"Unsupported global". Allow-listing these few types keeps the safe loader
(no arbitrary code runs) and needs nothing from the user.
"""
import numpy as np
import torch
from mmengine.logging import HistoryBuffer


def _numpy_checkpoint_types() -> list:
    """Numpy types that mmengine's meta and message hub pickle."""
    # numpy 2 moved the pickling helpers to ``numpy._core``; numpy 1 has
    # them in ``numpy.core``.
    multiarray = getattr(np, '_core', None) or np.core
    types = [
        multiarray.multiarray._reconstruct,
        multiarray.multiarray.scalar,
        np.ndarray,
        np.dtype,
    ]
    # numpy >= 1.25 pickles each dtype through its own class.
    dtypes = getattr(np, 'dtypes', None)
    if dtypes is not None:
        types += [
            getattr(dtypes, name) for name in dir(dtypes)
            if name.endswith('DType')
        ]
    return types


def allow_mmengine_checkpoints() -> None:
    """Allow-list the types mmengine writes into checkpoints.

    A no-op on torch versions without ``add_safe_globals`` (before 2.4),
    which load mmengine checkpoints unchanged.
    """
    add_safe_globals = getattr(torch.serialization, 'add_safe_globals', None)
    if add_safe_globals is None:
        return
    # ``HistoryBuffer`` pickles its statistics methods as
    # ``getattr(HistoryBuffer, 'min')``. Allowing ``getattr`` stays safe: the
    # weights-only unpickler still calls allow-listed functions only, so an
    # attribute fetched this way cannot be run.
    add_safe_globals([HistoryBuffer, getattr, *_numpy_checkpoint_types()])
