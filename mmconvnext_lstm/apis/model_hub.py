# Copyright (c) mmconvnext_lstm contributors. All rights reserved.
"""Make this package's models known to mmpretrain's model hub, so that
``mmpretrain.list_models``, ``get_model`` and the inferencers find them by
name."""
import os.path as osp
from typing import List, Optional

from mmpretrain.apis import ModelHub

PACKAGE_ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
# Where a built package keeps its model index (setup.py copies or links it
# there for mim) and, for a source checkout, the repository root.
MODEL_INDEX_CANDIDATES = (
    osp.join(PACKAGE_ROOT, '.mim', 'model-index.yml'),
    osp.join(osp.dirname(PACKAGE_ROOT), 'model-index.yml'),
)

_registered_indexes = set()


def find_model_index() -> Optional[str]:
    """Return the path of this package's ``model-index.yml``, or None when
    neither the installed package nor the source checkout has one."""
    for path in MODEL_INDEX_CANDIDATES:
        if osp.isfile(path):
            return path
    return None


def register_model_index(model_index_path: Optional[str] = None) -> List[str]:
    """Register the models of a model index with mmpretrain's
    :class:`ModelHub`; config paths in it are relative to its folder.

    Registering the same file again does nothing, so calling this more than
    once is safe.

    Args:
        model_index_path (str, optional): The ``model-index.yml`` to read.
            Defaults to None, which means this package's own
            (:func:`find_model_index`).

    Returns:
        List[str]: The names registered by this call.
    """
    if model_index_path is None:
        model_index_path = find_model_index()
        if model_index_path is None:
            raise FileNotFoundError(
                'mmconvnext_lstm has no model-index.yml: looked for '
                f'{" and ".join(MODEL_INDEX_CANDIDATES)}. Reinstall the '
                'package (`pip install -e .` in the repository) so that '
                'setup.py puts it under mmconvnext_lstm/.mim.')
    if not osp.isfile(model_index_path):
        raise FileNotFoundError(f'Model index {model_index_path} does not '
                                'exist.')
    model_index_path = osp.realpath(model_index_path)
    if model_index_path in _registered_indexes:
        return []
    before = set(ModelHub._models_dict)
    ModelHub.register_model_index(
        model_index_path, config_prefix=osp.dirname(model_index_path))
    _registered_indexes.add(model_index_path)
    return sorted(set(ModelHub._models_dict) - before)
