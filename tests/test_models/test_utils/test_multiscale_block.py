# Copyright (c) mmconvnext_lstm contributors. All rights reserved.
import pytest
import torch
import torch.nn as nn
import torch.nn.functional as F

from mmconvnext_lstm.models import MultiScaleConvNeXtBlock

pytestmark = pytest.mark.unit

C = 16


def separate_conv1x1(linear, rows):
    """A 1x1 Conv2d holding the rows ``rows`` of a fused Linear."""
    weight, bias = linear.weight[rows], linear.bias[rows]
    conv = nn.Conv2d(weight.shape[1], weight.shape[0], 1)
    conv.weight.data.copy_(weight[:, :, None, None])
    conv.bias.data.copy_(bias)
    return conv


def reference_forward(block, x, kernel_sizes, pointwise_depth):
    """The block computed channels-first with one 1x1 conv per branch, cut
    out of the fused weight, and the reduced branches run one by one."""
    reduced = C // 2
    t = block.depthwise_conv(x)
    t = F.layer_norm(
        t.permute(0, 2, 3, 1), (C, ), block.norm.weight, block.norm.bias,
        block.norm.eps).permute(0, 3, 1, 2)
    branches = [t]
    start = 0
    if pointwise_depth:
        width = C if pointwise_depth == 1 else reduced
        pointwise = separate_conv1x1(block.pointwise_conv,
                                     slice(start, start + width))(
                                         t)
        if pointwise_depth == 2:
            pointwise = separate_conv1x1(block.pointwise_expand, slice(None))(
                pointwise)
        branches.append(pointwise)
        start += width
    for conv in block.branch_convs:
        reduce = separate_conv1x1(block.pointwise_conv,
                                  slice(start, start + reduced))
        branches.append(conv(reduce(t)))
        start += reduced
    assert start == block.pointwise_conv.out_features
    hidden = F.gelu(torch.cat(branches, dim=1))
    fuse = separate_conv1x1(block.fuse_conv, slice(None))
    return x + block.gamma[:, None, None] * fuse(hidden)


@pytest.mark.parametrize(
    'kwargs',
    [
        dict(),  # ours
        dict(kernel_sizes=(3, 5, 7)),  # design A
        dict(pointwise_depth=2),  # design B
        dict(factorized_kernel_sizes=(3, )),  # design C
    ])
def test_fused_1x1_equals_separate_convs(kwargs):
    torch.manual_seed(0)
    block = MultiScaleConvNeXtBlock(
        C, layer_scale_init_value=0.5, **kwargs).eval()
    x = torch.randn(2, C, 6, 5)
    expected = reference_forward(block, x, kwargs.get('kernel_sizes', (3, 5)),
                                 kwargs.get('pointwise_depth', 1))
    assert torch.allclose(block(x), expected, atol=1e-5)


def test_branch_widths_and_parameters():
    block = MultiScaleConvNeXtBlock(C)
    # identity C + pointwise C + two reduced branches back to C each = 4C,
    # ConvNeXt's hidden width.
    assert block.hidden_channels == 4 * C
    assert block.split_sizes == [C, C // 2, C // 2]
    assert block.fuse_conv.in_features == 4 * C
    expected = (
        C * 49 + C  # 7x7 depthwise conv
        + 2 * C  # LayerNorm
        + C * 2 * C + 2 * C  # fused 1x1: C -> C + C/2 + C/2
        + (C * 9 + C) + (C * 25 + C)  # grouped 3x3, 5x5: C/2 -> C
        + 4 * C * C + C  # fuse 1x1: 4C -> C
        + C)  # layer scale
    assert sum(p.numel() for p in block.parameters()) == expected
    assert MultiScaleConvNeXtBlock(
        C, kernel_sizes=(3, 5, 7)).hidden_channels == 5 * C


def test_design_b_keeps_the_pointwise_branch_width():
    ours = MultiScaleConvNeXtBlock(C)
    design_b = MultiScaleConvNeXtBlock(C, pointwise_depth=2)
    assert design_b.split_sizes == [C // 2, C // 2, C // 2]
    assert design_b.pointwise_expand.in_features == C // 2
    assert design_b.pointwise_expand.out_features == C
    # C -> C/2 -> C costs the MACs of one C -> C conv, plus C/2 biases.
    count = lambda m: sum(p.numel() for p in m.parameters())  # noqa: E731
    assert count(design_b) - count(ours) == C // 2


def test_design_c_factorizes_the_3x3_conv():
    block = MultiScaleConvNeXtBlock(C, factorized_kernel_sizes=(3, ))
    first, second = block.branch_convs[0]
    assert first.kernel_size == (1, 3) and second.kernel_size == (3, 1)
    assert block.branch_convs[1].kernel_size == (5, 5)


def test_drop_path_and_layer_scale_off():
    block = MultiScaleConvNeXtBlock(
        C, layer_scale_init_value=0., drop_path_rate=0.).eval()
    assert block.gamma is None
    x = torch.randn(1, C, 4, 4)
    assert block(x).shape == x.shape


@pytest.mark.parametrize('kwargs, message', [
    (dict(in_channels=15), r'in_channels \(15\) must be divisible by '
     r'reduction_ratio \(2\)'),
    (dict(factorized_kernel_sizes=(7, )),
     r'factorized_kernel_sizes \[7\] are not in kernel_sizes \(3, 5\)'),
    (dict(kernel_sizes=(3, 4)), r'odd positive integers.*\(3, 4\)'),
    (dict(pointwise_depth=3), r'pointwise_depth must be 0, 1 or 2, got 3'),
    (dict(kernel_sizes=(), pointwise_depth=0,
          with_identity_branch=False), 'at least one branch'),
])
def test_bad_arguments(kwargs, message):
    kwargs.setdefault('in_channels', C)
    with pytest.raises(ValueError, match=message):
        MultiScaleConvNeXtBlock(**kwargs)
