# Copyright (c) mmconvnext_lstm contributors. All rights reserved.
"""ConvNeXt-LSTM for mmpretrain: importing it checks the OpenMMLab versions,
registers the modules and model names, and makes mmengine's checkpoint
loaders read through the checked, weights-only reader."""
import warnings

import mmcv
import mmengine
import mmpretrain
from mmengine.utils import digit_version

from .version import __version__

# Checked here, not required by setup.py: pip would build the full mmcv from
# source, which fails on recent torch; mmcv-lite provides ``import mmcv`` too.
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

with warnings.catch_warnings():
    # mmcv-lite has no compiled ops, and says so when mmpretrain's models
    # import its transformer bricks; nothing here uses those ops.
    warnings.filterwarnings(
        'ignore', message='Fail to import ``MultiScaleDeformableAttention``')
    from .datasets import *  # noqa: F401,F403
    from .engine import *  # noqa: F401,F403
    from .models import *  # noqa: F401,F403
from .model_index import register_model_index  # noqa: E402
from .utils import allow_mmengine_checkpoints  # noqa: E402

allow_mmengine_checkpoints()
register_model_index()

__all__ = ['__version__']
