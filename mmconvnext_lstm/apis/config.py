# Copyright (c) mmconvnext_lstm contributors. All rights reserved.
"""Merge the command-line options of tools/train.py and tools/test.py into a
config, as mmpretrain's tools do."""
import os.path as osp
from argparse import Namespace
from copy import deepcopy

from mmengine.config import Config, ConfigDict
from mmengine.device import get_device
from mmengine.utils import import_modules_from_strings

from .device import check_amp_supported
from .errors import UsageError


def _set_work_dir(cfg: Config, args: Namespace) -> None:
    """``--work-dir``, else the config's ``work_dir``, else
    ``./work_dirs/<config name>``."""
    if args.work_dir is not None:
        cfg.work_dir = args.work_dir
    elif cfg.get('work_dir', None) is None:
        cfg.work_dir = osp.join('./work_dirs',
                                osp.splitext(osp.basename(args.config))[0])


def _has_accelerator() -> bool:
    """Pinned memory only helps copies to an accelerator (torch warns
    about it on every dataloader otherwise)."""
    return get_device() != 'cpu'


def _set_dataloader_defaults(cfg: Config, args: Namespace, fields: tuple,
                             defaults: dict) -> None:
    """Fill dataloader options the configs leave out; ``--no-pin-memory``
    and ``--no-persistent-workers`` turn them off."""
    for field in fields:
        if cfg.get(field, None) is None:
            continue
        dataloader_cfg = ConfigDict(deepcopy(defaults))
        dataloader_cfg.update(cfg[field])
        if getattr(args, 'no_pin_memory', False):
            dataloader_cfg.pin_memory = False
        if getattr(args, 'no_persistent_workers', False):
            dataloader_cfg.persistent_workers = False
        cfg[field] = dataloader_cfg


def _merge_cfg_options(cfg: Config, args: Namespace) -> None:
    """Apply ``--cfg-options`` last, so that they override everything."""
    if args.cfg_options is not None:
        cfg.merge_from_dict(args.cfg_options)
        # Config.fromfile imports a file's `custom_imports`; ones given on
        # the command line must be imported here to register their modules.
        if any(
                key.split('.')[0] == 'custom_imports'
                for key in args.cfg_options):
            import_modules_from_strings(**cfg.custom_imports)
    # torch refuses persistent workers without workers, e.g. after
    # `--cfg-options train_dataloader.num_workers=0`.
    for field in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        dataloader_cfg = cfg.get(field, None)
        if dataloader_cfg and dataloader_cfg.get('num_workers', 0) == 0:
            dataloader_cfg.persistent_workers = False


def merge_train_args(cfg: Config, args: Namespace) -> Config:
    """Apply tools/train.py's options to ``cfg``.

    Args:
        cfg (Config): The config read from ``args.config``.
        args (Namespace): Parsed options of tools/train.py (``work_dir``,
            ``resume``, ``amp``, ``no_validate``, ``auto_scale_lr``,
            ``no_pin_memory``, ``no_persistent_workers``, ``cfg_options``,
            ``launcher``).

    Returns:
        Config: ``cfg``, changed in place.

    Raises:
        UsageError: ``--amp`` without an accelerator, or
            ``--auto-scale-lr`` with a config that has no ``auto_scale_lr``.
    """
    if args.no_validate:
        cfg.val_cfg = None
        cfg.val_dataloader = None
        cfg.val_evaluator = None
    cfg.launcher = args.launcher
    _set_work_dir(cfg, args)
    if args.amp:
        check_amp_supported()
        cfg.optim_wrapper.type = 'AmpOptimWrapper'
        cfg.optim_wrapper.setdefault('loss_scale', 'dynamic')
    # `--resume` alone continues from the work dir's last checkpoint;
    # `--resume PATH` from that file.
    if args.resume == 'auto':
        cfg.resume = True
        cfg.load_from = None
    elif args.resume is not None:
        cfg.resume = True
        cfg.load_from = args.resume
    if args.auto_scale_lr:
        if 'auto_scale_lr' not in cfg:
            raise UsageError(
                f'--auto-scale-lr needs `auto_scale_lr = dict('
                f'base_batch_size=...)` in {args.config}: add it with the '
                'total batch size the learning rate was tuned for.')
        cfg.auto_scale_lr.enable = True
    _set_dataloader_defaults(
        cfg, args, ('train_dataloader', 'val_dataloader', 'test_dataloader'),
        dict(
            pin_memory=_has_accelerator(),
            persistent_workers=True,
            collate_fn=dict(type='default_collate')))
    _merge_cfg_options(cfg, args)
    return cfg


def _flip_tta(cfg: Config) -> None:
    """Test-time augmentation: the config's ``tta_model`` and
    ``tta_pipeline``, else the average of the plain and the flipped
    image's scores."""
    if 'tta_model' not in cfg:
        cfg.tta_model = dict(type='mmpretrain.AverageClsScoreTTA')
    if 'tta_pipeline' not in cfg:
        test_pipeline = cfg.test_dataloader.dataset.pipeline
        cfg.tta_pipeline = deepcopy(test_pipeline)
        cfg.tta_pipeline[-1] = dict(
            type='TestTimeAug',
            transforms=[[
                dict(type='RandomFlip', prob=1.),
                dict(type='RandomFlip', prob=0.)
            ], [test_pipeline[-1]]])
    cfg.model = ConfigDict(**cfg.tta_model, module=cfg.model)
    cfg.test_dataloader.dataset.pipeline = cfg.tta_pipeline


def merge_test_args(cfg: Config, args: Namespace) -> Config:
    """Apply tools/test.py's options to ``cfg``.

    Args:
        cfg (Config): The config read from ``args.config``.
        args (Namespace): Parsed options of tools/test.py (``checkpoint``,
            ``work_dir``, ``amp``, ``show``, ``show_dir``, ``interval``,
            ``wait_time``, ``tta``, ``no_pin_memory``, ``cfg_options``,
            ``launcher``).

    Returns:
        Config: ``cfg``, changed in place.

    Raises:
        UsageError: ``--amp`` without an accelerator.
    """
    cfg.launcher = args.launcher
    _set_work_dir(cfg, args)
    cfg.load_from = args.checkpoint
    if args.amp:
        check_amp_supported()
        cfg.test_cfg.fp16 = True
    if args.show or args.show_dir is not None:
        visualization = cfg.default_hooks.visualization
        visualization.enable = True
        visualization.show = args.show
        visualization.wait_time = args.wait_time
        visualization.out_dir = args.show_dir
        visualization.interval = args.interval
    if args.tta:
        _flip_tta(cfg)
    _set_dataloader_defaults(
        cfg, args, ('test_dataloader', ),
        dict(
            pin_memory=_has_accelerator(),
            collate_fn=dict(type='default_collate')))
    _merge_cfg_options(cfg, args)
    return cfg
