# Copyright (c) mmconvnext_lstm contributors. All rights reserved.
import os.path as osp
import re
import runpy
import sys

import pytest
from helpers import REPO_ROOT

from complexity import build_model

pytestmark = pytest.mark.unit

TOOL = osp.join(REPO_ROOT, 'tools', 'analysis_tools', 'get_flops.py')
OURS = osp.join(REPO_ROOT, 'configs', '_base_', 'models', 'convnext_lstm',
                'convnext-lstm-tiny.py')


def run_tool(monkeypatch, *args):
    monkeypatch.setattr(sys, 'argv', [TOOL, *args])
    runpy.run_path(TOOL, run_name='__main__')


def count_params(config):
    return sum(p.numel() for p in build_model(config).parameters())


def test_prints_params_and_macs(monkeypatch, capsys):
    run_tool(monkeypatch, OURS, '--shape', '32')
    out = capsys.readouterr().out
    assert 'Input shape: (3, 32, 32)' in out
    params = count_params(OURS)
    assert f'Params: {params / 1e6:.3f} M ({params})' in out
    lstm_macs = 2 * 2 * 4 * 128 * 640
    assert f'LSTM MACs: 0.001 G ({lstm_macs})' in out
    with_lstm = int(re.search(r'MACs with the LSTM: .* \((\d+)\)', out)[1])
    without = int(re.search(r'MACs without the LSTM: .* \((\d+)\)', out)[1])
    assert with_lstm - without == lstm_macs


@pytest.mark.parametrize('args, message', [
    ((), 'give a CONFIG, or --paper'),
    (('x.py', '--shape', '1', '2', '3'), '--shape takes 1 or 2 sizes'),
])
def test_bad_arguments(monkeypatch, capsys, args, message):
    with pytest.raises(SystemExit) as error:
        run_tool(monkeypatch, *args)
    assert error.value.code == 2
    assert message in capsys.readouterr().err


def test_cfg_options(monkeypatch, capsys):
    run_tool(monkeypatch, OURS, '--shape', '32', '48', '--cfg-options',
             'model.backbone.block_cfg.pointwise_depth=2')
    out = capsys.readouterr().out
    assert 'Input shape: (3, 32, 48)' in out
    # Design B: each block's pointwise branch gains C/2 biases.
    extra = 3 * 32 + 3 * 64 + 9 * 160 + 3 * 256
    assert f'({count_params(OURS) + extra})' in out
