# Copyright (c) mmconvnext_lstm contributors. All rights reserved.
import itertools

import pytest
import torch
import torch.nn.functional as F
from helpers import DEVICES, FP32_TOLERANCE

from mmconvnext_lstm.models import MultiScaleConvNeXtBlock
from mmconvnext_lstm.models.utils.depthwise_conv import resolve_conv_impl
from mmconvnext_lstm.utils.errors import ConfigError

pytestmark = pytest.mark.unit

C = 16


def fused_reference(block, x, reduction_ratio, kernel_sizes,
                    factorized_kernel_sizes, pointwise_depth,
                    with_identity_branch):
    """The block as first written (all 1x1 convs that read ``t`` fused into
    one, the reduced branches' k x k convs as grouped convs back to C), in
    plain functional ops on the block's weights, channels-first."""
    w = block.state_dict()
    reduced = C // reduction_ratio
    t = F.conv2d(
        x,
        w['depthwise_conv.weight'],
        w['depthwise_conv.bias'],
        padding=3,
        groups=C)
    t = F.layer_norm(
        t.permute(0, 2, 3, 1), (C, ), w['norm.weight'], w['norm.bias'],
        1e-6).permute(0, 3, 1, 2)
    # Branch index of each branch in the concatenation.
    first = int(with_identity_branch)
    pointwise_index = first if pointwise_depth else None
    reduced_indices = range(first + bool(pointwise_depth),
                            first + bool(pointwise_depth) + len(kernel_sizes))
    fused_rows = ([pointwise_index]
                  if pointwise_depth else []) + list(reduced_indices)
    fused_weight = torch.cat([w[f'branches.{i}.0.weight'] for i in fused_rows])
    fused_bias = torch.cat([w[f'branches.{i}.0.bias'] for i in fused_rows])
    outs = F.conv2d(t, fused_weight[:, :, None, None], fused_bias)
    widths = [w[f'branches.{i}.0.weight'].shape[0] for i in fused_rows]
    outs = list(outs.split(widths, dim=1))

    branches = [t] if with_identity_branch else []
    if pointwise_depth:
        pointwise = outs.pop(0)
        if pointwise_depth == 2:
            i = pointwise_index
            pointwise = F.conv2d(pointwise,
                                 w[f'branches.{i}.1.weight'][:, :, None, None],
                                 w[f'branches.{i}.1.bias'])
        branches.append(pointwise)
    for i, k, r in zip(reduced_indices, kernel_sizes, outs):
        grouped = dict(groups=reduced)
        if k in factorized_kernel_sizes:
            r = F.conv2d(
                r,
                w[f'branches.{i}.1.weight'],
                w[f'branches.{i}.1.bias'],
                padding=(0, k // 2),
                **grouped)
            r = F.conv2d(
                r,
                w[f'branches.{i}.2.weight'],
                w[f'branches.{i}.2.bias'],
                padding=(k // 2, 0),
                groups=C)
        else:
            r = F.conv2d(
                r,
                w[f'branches.{i}.1.weight'],
                w[f'branches.{i}.1.bias'],
                padding=k // 2,
                **grouped)
        branches.append(r)
    hidden = F.gelu(torch.cat(branches, dim=1))
    y = F.conv2d(hidden, w['fuse_conv.weight'][:, :, None, None],
                 w['fuse_conv.bias'])
    return x + w['gamma'][:, None, None] * y


@pytest.mark.parametrize(
    'reduction_ratio, factorized_kernel_sizes, pointwise_depth, '
    'with_identity_branch',
    list(itertools.product([1, 2, 4], [(), (3, )], [0, 1, 2], [True, False])))
@pytest.mark.parametrize('map_size', [(6, 5), (2, 2), (1, 1)])
def test_equals_the_fused_formulation(reduction_ratio, factorized_kernel_sizes,
                                      pointwise_depth, with_identity_branch,
                                      map_size):
    torch.manual_seed(0)
    kernel_sizes = (3, 5)
    block = MultiScaleConvNeXtBlock(
        C,
        kernel_sizes=kernel_sizes,
        factorized_kernel_sizes=factorized_kernel_sizes,
        reduction_ratio=reduction_ratio,
        pointwise_depth=pointwise_depth,
        with_identity_branch=with_identity_branch,
        layer_scale_init_value=0.5).eval()
    x = torch.randn(2, C, *map_size)
    expected = fused_reference(block, x, reduction_ratio, kernel_sizes,
                               factorized_kernel_sizes, pointwise_depth,
                               with_identity_branch)
    assert torch.allclose(block(x), expected, atol=1e-5)


@pytest.mark.parametrize('reduction_ratio', [1, 2, 4])
def test_parameters(reduction_ratio):
    block = MultiScaleConvNeXtBlock(C, reduction_ratio=reduction_ratio)
    r = C // reduction_ratio
    # identity C + pointwise C + two reduced branches back to C each = 4C,
    # ConvNeXt's hidden width, whatever the ratio.
    assert block.hidden_channels == 4 * C
    expected = (
        C * 49 + C  # 7x7 depthwise conv
        + 2 * C  # LayerNorm
        + C * C + C  # pointwise 1x1: C -> C
        + 2 * (C * r + r)  # two reducing 1x1 convs: C -> C/r
        + (C * 9 + C) + (C * 25 + C)  # grouped 3x3, 5x5: C/r -> C
        + 4 * C * C + C  # fuse 1x1: 4C -> C
        + C)  # layer scale
    assert sum(p.numel() for p in block.parameters()) == expected
    assert MultiScaleConvNeXtBlock(
        C, kernel_sizes=(3, 5, 7)).hidden_channels == 5 * C


def test_design_b_costs_c_over_2_more_parameters():
    # C -> C/2 -> C costs the MACs of one C -> C conv, plus C/2 biases.
    count = lambda m: sum(p.numel() for p in m.parameters())  # noqa: E731
    assert count(MultiScaleConvNeXtBlock(C, pointwise_depth=2)) - count(
        MultiScaleConvNeXtBlock(C)) == C // 2


def test_design_c_factorizes_the_3x3_conv():
    block = MultiScaleConvNeXtBlock(C, factorized_kernel_sizes=(3, ))
    _, conv_1xk, conv_kx1 = block.branches[2]
    assert conv_1xk.kernel_size == (1, 3) and conv_kx1.kernel_size == (3, 1)
    assert block.branches[3][1].kernel_size == (5, 5)


def test_layer_scale_off():
    block = MultiScaleConvNeXtBlock(C, layer_scale_init_value=0.).eval()
    assert block.gamma is None
    x = torch.randn(1, C, 4, 4)
    assert block(x).shape == x.shape


@pytest.mark.parametrize('kwargs, message', [
    (dict(in_channels=0), r'in_channels must be at least 1, got 0'),
    (dict(in_channels=15), r'reduction_ratio must be a positive int that '
     r'divides in_channels \(15\), got 2'),
    (dict(reduction_ratio=0), r'divides in_channels \(16\), got 0'),
    (dict(reduction_ratio=3), r'divides in_channels \(16\), got 3'),
    (dict(reduction_ratio=2.0), r'positive int.*got 2.0'),
    (dict(factorized_kernel_sizes=(7, )),
     r'factorized_kernel_sizes \[7\] are not in kernel_sizes \(3, 5\)'),
    (dict(kernel_sizes=(3, 4)), r'odd positive integers.*\(3, 4\)'),
    (dict(pointwise_depth=3),
     r'pointwise_depth must be one of \(0, 1, 2\), got 3'),
    (dict(kernel_sizes=(), pointwise_depth=0,
          with_identity_branch=False), 'at least one branch'),
    (dict(drop_path_rate=1.0), r'drop_path_rate must be in \[0, 1\), got 1.0'),
    (dict(drop_path_rate=-0.1), r'got -0.1.*cannot be negative'),
    (dict(layer_scale_init_value=-1e-6),
     r'layer_scale_init_value must be >= 0.*got -1e-06'),
    (dict(conv_impl='cudnn'), r"conv_impl must be one of \('auto', "
     r"'channel_multiplier', 'grouped'\), got 'cudnn'"),
])
def test_bad_arguments(kwargs, message):
    kwargs.setdefault('in_channels', C)
    with pytest.raises(ConfigError, match=message):
        MultiScaleConvNeXtBlock(**kwargs)


def test_conv_impl_keeps_the_state_dict():
    shapes = {
        impl: {
            k: v.shape
            for k, v in MultiScaleConvNeXtBlock(
                C, conv_impl=impl).state_dict().items()
        }
        for impl in ('auto', 'channel_multiplier', 'grouped')
    }
    assert shapes['auto'] == shapes['channel_multiplier'] == shapes['grouped']


@pytest.mark.parametrize('map_size', [(6, 5), (2, 2), (1, 1)])
@pytest.mark.parametrize('device', DEVICES)
def test_conv_impls_agree_on_each_device(device, map_size, no_tf32):
    torch.manual_seed(0)
    block = MultiScaleConvNeXtBlock(
        C, factorized_kernel_sizes=(3, ), layer_scale_init_value=0.5)
    block = block.to(device)
    x = torch.randn(2, C, *map_size, device=device)
    outs, grads = [], []
    for impl in ('channel_multiplier', 'grouped', 'auto'):
        for module in block.modules():
            if hasattr(module, 'conv_impl'):
                module.conv_impl = impl
        inputs = x.clone().requires_grad_()
        out = block(inputs)
        out.pow(2).sum().backward()
        outs.append(out.detach())
        grads.append(inputs.grad)
    for out, grad in zip(outs[1:], grads[1:]):
        assert torch.allclose(out, outs[0], **FP32_TOLERANCE[device])
        assert torch.allclose(grad, grads[0], atol=1e-4)


@pytest.mark.parametrize('device', DEVICES)
def test_auto_picks_the_channel_multiplier_only_on_the_cpu(device):
    expected = 'channel_multiplier' if device == 'cpu' else 'grouped'
    x = torch.empty(0, device=device)
    assert resolve_conv_impl('auto', x) == expected
    assert resolve_conv_impl('grouped', x) == 'grouped'
    assert resolve_conv_impl('channel_multiplier', x) == 'channel_multiplier'


def test_channel_multiplier_runs_channels_last():
    block = MultiScaleConvNeXtBlock(
        C, layer_scale_init_value=0.5, conv_impl='channel_multiplier')
    out = block(torch.randn(1, C, 4, 3))
    assert out.is_contiguous(memory_format=torch.channels_last)


@pytest.mark.parametrize('device', DEVICES)
def test_channels_last_input_gives_the_same_output(device, no_tf32):
    torch.manual_seed(0)
    block = MultiScaleConvNeXtBlock(
        C, layer_scale_init_value=0.5).to(device).eval()
    x = torch.randn(2, C, 6, 5, device=device)
    expected = block(x)
    actual = block(x.contiguous(memory_format=torch.channels_last))
    assert torch.allclose(actual, expected, atol=1e-5)
