# Copyright (c) mmconvnext_lstm contributors. All rights reserved.
"""The acceptance run's LSTM probe reports the neck's own decision."""
import pytest
import torch
from lstm_probe import neck_decision

from mmconvnext_lstm.models.necks.bilstm2d import lstm_autocast_supported

pytestmark = pytest.mark.unit


def test_neck_decision_is_the_necks():
    assert neck_decision('cpu') is lstm_autocast_supported(
        'cpu', torch.bfloat16)
