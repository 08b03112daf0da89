# Copyright (c) mmconvnext_lstm contributors. All rights reserved.
from .onnx_export import (DEFAULT_OPSET, INPUT_NAME, ClassifierOutput,
                          export_onnx, fixed_size_reason, min_input_size,
                          pipeline_input_size, preprocess_metadata)
from .onnx_verify import (DEFAULT_TOLERANCE, compare_outputs, image_files,
                          image_inputs, onnxruntime_session, verify_onnx)

__all__ = [
    'DEFAULT_OPSET', 'INPUT_NAME', 'ClassifierOutput', 'export_onnx',
    'fixed_size_reason', 'min_input_size', 'pipeline_input_size',
    'preprocess_metadata', 'DEFAULT_TOLERANCE', 'compare_outputs',
    'image_files', 'image_inputs', 'onnxruntime_session', 'verify_onnx'
]
