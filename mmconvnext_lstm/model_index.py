# Copyright (c) mmconvnext_lstm contributors. All rights reserved.
"""Where the configs and model index are; our models in mmpretrain's hub."""
import os.path as osp

from mmpretrain.apis import ModelHub

PACKAGE_ROOT = osp.dirname(osp.abspath(__file__))
# What mim reads (configs, tools, model-index.yml): in <package>/.mim when
# installed (setup.py copies or links them), else at the checkout's root.
MIM_ROOTS = (osp.join(PACKAGE_ROOT, '.mim'), osp.dirname(PACKAGE_ROOT))


def package_file(*parts: str) -> str:
    """The path of ``parts`` (e.g. ``'configs', '_base_'``) under
    ``<package>/.mim``, else under the checkout."""
    candidates = [osp.join(root, *parts) for root in MIM_ROOTS]
    for path in filter(osp.exists, candidates):
        return path
    raise FileNotFoundError(
        f'mmconvnext_lstm has no {osp.join(*parts)}: looked for '
        f'{" and ".join(candidates)}. Install the package with `bash '
        'scripts/setup.sh` or `pip install .` in the repository, which puts '
        'configs, tools and model-index.yml under mmconvnext_lstm/.mim.')


def register_model_index() -> None:
    """Register our ``model-index.yml`` with mmpretrain's :class:`ModelHub`:
    ``list_models``, ``get_model`` and the inferencers find our models."""
    model_index = package_file('model-index.yml')
    ModelHub.register_model_index(
        model_index, config_prefix=osp.dirname(model_index))
