# Copyright (c) mmconvnext_lstm contributors. All rights reserved.
"""Pictures: what the model extracts from an image, and training curves."""
from .curves import RunLog, find_scalars, load_run, plot_curves, summarize_run
from .feature_figure import (draw_feature_figure, load_classifier,
                             preprocess_image, visualize_features)
from .feature_maps import (CamResult, collect_feature_maps, default_cam_stage,
                           grad_cam)

__all__ = [
    'CamResult', 'RunLog', 'collect_feature_maps', 'default_cam_stage',
    'draw_feature_figure', 'find_scalars', 'grad_cam', 'load_classifier',
    'load_run', 'plot_curves', 'preprocess_image', 'summarize_run',
    'visualize_features'
]
