# Copyright (c) mmconvnext_lstm contributors. All rights reserved.
"""Checks of the models' arguments, including those the backbone passes on
to every block (mmpretrain's ConvNeXtBlock does not check them itself)."""
from ...utils.errors import ConfigError


def check_drop_path_rate(drop_path_rate: float) -> None:
    if not 0 <= drop_path_rate < 1:
        why = ('it is the probability of dropping a sample\'s residual '
               'branch, which cannot be negative (a negative rate would '
               'silently train with no stochastic depth); set 0 to turn it '
               'off' if drop_path_rate < 0 else '1 drops every sample '
               '(DropPath divides by 1 - rate, giving NaN); set a rate below '
               '1, e.g. 0.1')
        raise ConfigError(
            f'drop_path_rate must be in [0, 1), got {drop_path_rate}: {why}.')


def check_layer_scale_init_value(layer_scale_init_value: float) -> None:
    if layer_scale_init_value < 0:
        raise ConfigError(
            'layer_scale_init_value must be >= 0 (0 disables layer scale), '
            f'got {layer_scale_init_value}.')


def check_choice(name: str, value, choices: tuple) -> None:
    if value not in choices:
        raise ConfigError(f'{name} must be one of {choices}, got {value!r}.')
