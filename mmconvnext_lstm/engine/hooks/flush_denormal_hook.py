# Copyright (c) mmconvnext_lstm contributors. All rights reserved.
import torch
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper
from mmpretrain.registry import HOOKS


@HOOKS.register_module()
class FlushDenormalHook(Hook):
    """Make the CPU treat denormal floats as zero during a run on the CPU.

    ConvNeXt's layer scale starts at 1e-6, so early in training many
    activations, gradients and optimizer moments fall below float32's
    normal range (about 1.2e-38). x86 CPUs compute with such denormal
    numbers many times slower than with normal ones; flushing them to zero
    speeds a CPU training step of ConvNeXt-LSTM-T up about tenfold and
    changes no result measurably. The hook acts only when the model's
    parameters are on the CPU, so it can be listed in every config: a GPU
    run keeps the CPU's floating-point mode as it was.

    Args:
        enable (bool): Whether to flush denormals. Defaults to True.
    """
    priority = 'VERY_HIGH'

    def __init__(self, enable: bool = True):
        self.enable = enable

    def before_run(self, runner) -> None:
        model = runner.model.module if is_model_wrapper(
            runner.model) else runner.model
        parameter = next(model.parameters(), None)
        if parameter is None or parameter.device.type != 'cpu':
            return
        # Returns False where the CPU has no such mode (non-x86).
        if not torch.set_flush_denormal(self.enable):
            runner.logger.warning(
                'This CPU cannot flush denormal floats to zero; CPU runs '
                'may be slow.')
