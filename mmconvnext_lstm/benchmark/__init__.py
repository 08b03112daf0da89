# Copyright (c) mmconvnext_lstm contributors. All rights reserved.
from .amp_check import DEFAULT_TOLERANCE, amp_output_error
from .memory import MemoryMeter, host_description
from .report import dump_json, format_markdown
from .runner import (DEFAULT_REFERENCE, MODES, default_model_configs,
                     has_lstm_neck, measure_matmul, run_benchmark)

__all__ = [
    'DEFAULT_TOLERANCE', 'amp_output_error', 'MemoryMeter', 'host_description',
    'dump_json', 'format_markdown', 'DEFAULT_REFERENCE', 'MODES',
    'default_model_configs', 'has_lstm_neck', 'measure_matmul', 'run_benchmark'
]
