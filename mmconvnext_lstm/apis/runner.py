# Copyright (c) mmconvnext_lstm contributors. All rights reserved.
"""Build mmengine's runner from a merged config and train or test with it."""
import os.path as osp
from typing import Optional

import mmengine
from mmengine.config import Config
from mmengine.evaluator import DumpResults
from mmengine.logging import print_log
from mmengine.registry import RUNNERS
from mmengine.runner import Runner, find_latest_checkpoint

from .checkpoint import check_checkpoint
from .device import adapt_to_device


def build_runner(cfg: Config) -> Runner:
    """Build the runner the config asks for (``runner_type``, else
    mmengine's ``Runner``), adapted to a machine without accelerator, and
    check the checkpoint it will load (``load_from`` or the work dir's last
    one for ``resume``) against its model.

    Args:
        cfg (Config): The merged config.

    Returns:
        Runner: The runner, ready to train or test.

    Raises:
        CheckpointError: The checkpoint to load is unusable.
    """
    adapt_to_device(cfg)
    runner = Runner.from_cfg(cfg) if 'runner_type' not in cfg else \
        RUNNERS.build(cfg)
    checkpoint = cfg.get('load_from')
    if checkpoint is None and cfg.get('resume', False):
        checkpoint = find_latest_checkpoint(runner.work_dir)
    if checkpoint is not None:
        check_checkpoint(checkpoint, runner.model)
    return runner


def train(cfg: Config) -> Runner:
    """Train with ``cfg`` and log where the checkpoints went.

    Args:
        cfg (Config): The merged config (see :func:`merge_train_args`).

    Returns:
        Runner: The runner after training.
    """
    runner = build_runner(cfg)
    runner.train()
    last = find_latest_checkpoint(runner.work_dir)
    if last is not None:
        config = cfg.filename or '<config>'
        print_log(
            f'Checkpoints are in {osp.abspath(runner.work_dir)}; the last '
            f'one is {osp.abspath(last)}. Test it with:\n'
            f'  python tools/test.py {config} {osp.abspath(last)}',
            logger='current')
    return runner


def test(cfg: Config,
         out: Optional[str] = None,
         out_item: Optional[str] = None) -> dict:
    """Evaluate ``cfg.load_from`` on the config's test split.

    Args:
        cfg (Config): The merged config (see :func:`merge_test_args`).
        out (str, optional): File to dump the predictions (or the metrics)
            to. Defaults to None.
        out_item (str, optional): ``'pred'`` or ``'metrics'``: what goes
            into ``out``. Defaults to None, meaning predictions.

    Returns:
        dict: The test metrics.
    """
    runner = build_runner(cfg)
    if out and out_item in ('pred', None):
        runner.test_evaluator.metrics.append(DumpResults(out_file_path=out))
    metrics = runner.test()
    if out and out_item == 'metrics':
        mmengine.dump(metrics, out)
    return metrics
