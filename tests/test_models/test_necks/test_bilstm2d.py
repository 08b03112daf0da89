# Copyright (c) mmconvnext_lstm contributors. All rights reserved.
import warnings

import pytest
import torch
from helpers import DEVICES, FP32_TOLERANCE
from mmpretrain.models import ImageClassifier
from mmpretrain.models.backbones import ConvNeXt
from mmpretrain.registry import MODELS

from mmconvnext_lstm.models import BiLSTM2D
from mmconvnext_lstm.models.necks import bilstm2d
from mmconvnext_lstm.utils.errors import ConfigError

pytestmark = pytest.mark.unit


def test_registered():
    assert MODELS.get('BiLSTM2D') is BiLSTM2D


def test_papers_parameter_count():
    """Two BiLSTMs 512 -> 128 and the 4D -> C Linear are the paper's 1.58 M
    (Model B minus ConvNeXt-T/512)."""
    neck = BiLSTM2D(512)
    assert neck.hidden_channels == 128
    lstm = 2 * 2 * (4 * 128 * (512 + 128) + 2 * 4 * 128)
    fc = 4 * 128 * 512 + 512
    mixing = [neck.lstm_v, neck.lstm_h, neck.fc]
    assert sum(p.numel() for m in mixing
               for p in m.parameters()) == lstm + fc == 1577472


@pytest.mark.parametrize('size', [1, 2, 7])
@pytest.mark.parametrize('pooling', ['avg', None])
def test_output_shapes(size, pooling):
    neck = BiLSTM2D(16, hidden_channels=6, pooling=pooling)
    x = torch.randn(2, 16, size, size + 1)
    out = neck((x.clone(), x))  # a backbone's tuple: the last map is used
    assert isinstance(out, tuple) and len(out) == 1
    if pooling is None:
        assert out[0].shape == x.shape
    else:
        assert out[0].shape == (2, 16)
    assert neck.fc.in_features == 24


def test_vertical_lstm_runs_down_columns_horizontal_along_rows():
    """Transposing the map and swapping the two LSTMs' roles must give the
    transposed result; with the same LSTM in both roles it would not tell
    rows from columns."""
    torch.manual_seed(0)
    neck = BiLSTM2D(8, pooling=None, norm_cfg=None).eval()
    swapped = BiLSTM2D(8, pooling=None, norm_cfg=None).eval()
    swapped.lstm_v.load_state_dict(neck.lstm_h.state_dict())
    swapped.lstm_h.load_state_dict(neck.lstm_v.state_dict())
    # The FC reads [vertical, horizontal]: swap its two input halves too.
    vertical, horizontal = neck.fc.weight.data.chunk(2, dim=1)
    swapped.fc.weight.data = torch.cat([horizontal, vertical], dim=1)
    swapped.fc.bias.data = neck.fc.bias.data.clone()
    x = torch.randn(2, 8, 3, 5)
    out = neck(x)[0]
    assert torch.allclose(
        swapped(x.transpose(2, 3))[0].transpose(2, 3), out, atol=1e-6)
    assert not torch.allclose(
        neck(x.transpose(2, 3))[0].transpose(2, 3), out, atol=1e-3)


def test_residual_and_no_residual():
    torch.manual_seed(0)
    neck = BiLSTM2D(8, pooling=None, norm_cfg=None).eval()
    plain = BiLSTM2D(8, pooling=None, norm_cfg=None, residual=False).eval()
    plain.load_state_dict(neck.state_dict())
    x = torch.randn(1, 8, 2, 2)
    assert torch.allclose(neck(x)[0], plain(x)[0] + x, atol=1e-6)


def test_in_channels_mismatch_says_both_numbers():
    neck = BiLSTM2D(512)
    with pytest.raises(
            ConfigError,
            match=r'built with in_channels=512 but the backbone gives 768 '
            r"channels; set the neck's in_channels to 768"):
        neck(torch.randn(1, 768, 2, 2))


def test_pooled_input_is_refused():
    with pytest.raises(ConfigError, match='gap_before_final_norm=False'):
        BiLSTM2D(32)((torch.randn(2, 32), ))


@pytest.mark.parametrize('kwargs, message', [
    (dict(pooling='max'), r"pooling must be one of \('avg', None\)"),
    (dict(in_channels=0, hidden_channels=8), r'at least 1, got 0 and 8'),
    (dict(hidden_channels=0), r'at least 1, got 32 and 0'),
    (dict(hidden_channels=-8), r'at least 1, got 32 and -8'),
    (dict(in_channels=3), r'at least 1, got 3 and 0; leave hidden_channels '
     r'None for in_channels // 4'),
])
def test_bad_arguments(kwargs, message):
    kwargs.setdefault('in_channels', 32)
    with pytest.raises(ConfigError, match=message):
        BiLSTM2D(**kwargs)


def tiny_classifier():
    """ConvNeXt-LSTM with one block a stage and narrow stages."""
    return ImageClassifier(
        backbone=dict(
            type='MultiScaleConvNeXt',
            arch=dict(depths=[1, 1, 1, 1], channels=[8, 16, 24, 32]),
            gap_before_final_norm=False),
        neck=dict(type='BiLSTM2D', in_channels=32),
        head=dict(type='LinearClsHead', num_classes=10, in_channels=32))


# Largest logit difference to fp32, relative to the largest fp32 logit.
AUTOCAST_TOLERANCE = {torch.bfloat16: 3e-2, torch.float16: 1e-2}


@pytest.mark.parametrize('dtype', [torch.bfloat16, torch.float16])
@pytest.mark.parametrize('device', DEVICES)
def test_autocast_logits_match_fp32(device, dtype):
    """On every CPU: where oneDNN has no LSTM kernel for the dtype (fp16
    everywhere, bf16 without AVX-512 BF16) the LSTMs fall back to fp32."""
    torch.manual_seed(0)
    model = tiny_classifier().to(device).eval()
    # 64 px leaves the last map 2x2, so both LSTMs see sequences.
    x = torch.rand(2, 3, 64, 64, device=device)
    with torch.no_grad():
        expected = model(x, mode='tensor')
        with torch.autocast(device, dtype=dtype):
            actual = model(x, mode='tensor')
    error = (actual.float() - expected).abs().max() / expected.abs().max()
    assert error < AUTOCAST_TOLERANCE[dtype]


@pytest.mark.parametrize('dtype', [torch.bfloat16, torch.float16])
@pytest.mark.parametrize('device', DEVICES)
def test_autocast_probe_says_what_the_device_runs(device, dtype, monkeypatch):
    """The probe says whether the neck's own LSTMs train under autocast
    when nothing falls back to fp32."""
    supported = bilstm2d.lstm_autocast_supported(device, dtype)
    monkeypatch.setattr(bilstm2d, 'lstm_autocast_supported',
                        lambda device_type, dtype: True)
    neck = BiLSTM2D(16, hidden_channels=4).to(device)
    x = torch.randn(2, 16, 3, 3, device=device, requires_grad=True)
    try:
        with torch.autocast(device, dtype=dtype):
            neck(x)[0].float().sum().backward()
    except RuntimeError:
        assert not supported
    else:
        assert supported


def _lstm_input_dtypes(supported, monkeypatch):
    """The dtypes the neck's LSTMs get under bf16 autocast when the probe
    says ``supported``; the LSTMs are stubbed, so any CPU runs this."""
    monkeypatch.setattr(bilstm2d, 'lstm_autocast_supported',
                        lambda device_type, dtype: supported)
    neck = BiLSTM2D(16, hidden_channels=6).eval()
    seen = []

    def stub(sequences, lstm):
        seen.append(sequences.dtype)
        return sequences.new_zeros(*sequences.shape[:2],
                                   2 * lstm.hidden_size), None

    for lstm in (neck.lstm_v, neck.lstm_h):
        monkeypatch.setattr(
            lstm,
            'forward',
            lambda sequences, lstm=lstm: stub(sequences, lstm))
    with torch.no_grad(), torch.autocast('cpu', dtype=torch.bfloat16):
        neck(torch.randn(2, 16, 3, 4).bfloat16())
    return seen


def test_lstms_run_in_fp32_where_the_device_has_no_kernel(monkeypatch):
    assert _lstm_input_dtypes(False, monkeypatch) == [torch.float32] * 2


def test_lstms_follow_autocast_where_the_device_has_a_kernel(monkeypatch):
    assert _lstm_input_dtypes(True, monkeypatch) == [torch.bfloat16] * 2


def test_fp32_fallback_matches_fp32(monkeypatch):
    monkeypatch.setattr(bilstm2d, 'lstm_autocast_supported',
                        lambda device_type, dtype: False)
    torch.manual_seed(0)
    neck = BiLSTM2D(16, hidden_channels=6).eval()
    x = torch.randn(2, 16, 3, 4)
    with torch.no_grad():
        expected = neck(x)[0]
        with torch.autocast('cpu', dtype=torch.bfloat16):
            actual = neck(x)[0]
    # The FC still ran in bf16: close to fp32, not equal.
    assert not torch.equal(actual.float(), expected)
    assert torch.allclose(actual.float(), expected, atol=0.05)


def test_no_probe_without_autocast(monkeypatch):

    def probe(device_type, dtype):
        raise AssertionError('probed without autocast')

    monkeypatch.setattr(bilstm2d, 'lstm_autocast_supported', probe)
    assert BiLSTM2D(
        16, hidden_channels=6)(torch.randn(1, 16, 2, 2))[0].shape == (1, 16)


@pytest.mark.parametrize('device', DEVICES)
def test_channels_last_input_gives_the_same_output(device):
    torch.manual_seed(0)
    neck = BiLSTM2D(16, hidden_channels=6).to(device).eval()
    x = torch.randn(2, 16, 3, 4, device=device)
    expected = neck(x)[0]
    actual = neck(x.contiguous(memory_format=torch.channels_last))[0]
    assert torch.allclose(actual, expected, **FP32_TOLERANCE[device])


@pytest.mark.skipif(
    not torch.cuda.is_available(),
    reason='the warning is cuDNN\'s: needs a CUDA GPU')
def test_no_cudnn_warning_about_non_contiguous_weights():
    neck = BiLSTM2D(16, hidden_channels=6).cuda()
    # What DDP's replication or a .to() of single parameters leaves: a
    # weight that is no longer a view of the flat cuDNN buffer.
    weight = neck.lstm_v.weight_hh_l0
    weight.data = weight.data.clone()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter('always')
        neck(torch.randn(2, 16, 3, 4, device='cuda'))[0].sum().backward()
    messages = [str(w.message) for w in caught]
    assert not [m for m in messages if 'contiguous chunk' in m], messages


def test_on_mmpretrains_convnext():
    """Model B: the neck on mmpretrain's own ConvNeXt, gradients included."""
    backbone = ConvNeXt(
        arch=dict(depths=[1, 1, 1, 1], channels=[8, 16, 24, 32]),
        gap_before_final_norm=False)
    neck = BiLSTM2D(32)
    feats = neck(backbone(torch.randn(2, 3, 64, 64)))
    assert feats[0].shape == (2, 32)
    feats[0].sum().backward()
    assert all(p.grad is not None for p in neck.parameters())
    assert backbone.stages[3][0].depthwise_conv.weight.grad is not None
