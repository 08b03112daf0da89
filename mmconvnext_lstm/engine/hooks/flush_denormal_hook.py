# Copyright (c) mmconvnext_lstm contributors. All rights reserved.
import torch
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper
from mmpretrain.registry import HOOKS


@HOOKS.register_module()
class FlushDenormalHook(Hook):
    """Make the CPU treat denormal floats as zero in a run on the CPU (and
    nothing elsewhere, so every config can list it): ConvNeXt's layer scale
    starts at 1e-6, and x86 CPUs are many times slower on denormals.

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
        # set_flush_denormal returns False where the CPU has no such mode.
        if parameter is not None and parameter.device.type == 'cpu' and \
                not torch.set_flush_denormal(self.enable):
            runner.logger.warning(
                'This CPU cannot flush denormal floats to zero; CPU runs '
                'may be slow.')
