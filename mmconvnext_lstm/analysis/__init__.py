# Copyright (c) mmconvnext_lstm contributors. All rights reserved.
from .complexity import build_model, lstm_flop_jit, model_complexity
from .paper_tables import (PAPER_ROWS, PaperRow, compare_with_paper,
                           format_comparison, format_complexity,
                           model_config_dir)

__all__ = [
    'build_model', 'lstm_flop_jit', 'model_complexity', 'PAPER_ROWS',
    'PaperRow', 'compare_with_paper', 'format_comparison', 'format_complexity',
    'model_config_dir'
]
