# Copyright (c) mmconvnext_lstm contributors. All rights reserved.
"""ConvNeXt-LSTM for mmpretrain.

Importing the package registers its modules into mmpretrain's registries and
lets mmengine checkpoints load under torch >= 2.6.
"""
import warnings

import mmcv
import mmengine

# mmcv-lite has no compiled ops; mmpretrain never uses the deformable
# attention whose missing op mmcv warns about on every import.
warnings.filterwarnings(
    'ignore', message='Fail to import ``MultiScaleDeformableAttention``')
import mmpretrain  # noqa: E402
from mmengine.utils import digit_version  # noqa: E402

from .version import __version__  # noqa: E402

# Checked here rather than required by setup.py: pip would build the full
# mmcv from source, which fails on recent torch; mmcv-lite or an existing
# full mmcv both provide ``import mmcv``.
_REQUIREMENTS = {
    'mmcv': (mmcv.__version__, '2.0.0', '2.4.0'),
    'mmengine': (mmengine.__version__, '0.8.3', '1.0.0'),
    'mmpretrain': (mmpretrain.__version__, '1.0.0', '2.0.0'),
}
for _name, (_found, _low, _high) in _REQUIREMENTS.items():
    if not (digit_version(_low) <= digit_version(_found) <
            digit_version(_high)):
        raise ImportError(
            f'mmconvnext_lstm needs {_name}>={_low},<{_high} but '
            f'{_name}=={_found} is installed. Install a compatible version, '
            f'e.g. `pip install "{_name}>={_low},<{_high}"` (mmcv-lite '
            'provides mmcv on machines without a CUDA build toolchain).')

from .datasets import *  # noqa: E402,F401,F403
from .engine import *  # noqa: E402,F401,F403
from .models import *  # noqa: E402,F401,F403
from .utils import allow_mmengine_checkpoints  # noqa: E402

allow_mmengine_checkpoints()

# Lets mmpretrain.list_models / get_model / the inferencers find our models
# by name (a checkout without model-index.yml yet has none to register).
from .apis import find_model_index, register_model_index  # noqa: E402

if find_model_index() is not None:
    register_model_index()

__all__ = ['__version__']
