# Copyright (c) mmconvnext_lstm contributors. All rights reserved.
import itertools

import pytest
import torch
import torch.nn.functional as F

from mmconvnext_lstm.models.utils import depthwise_conv
from mmconvnext_lstm.models.utils.depthwise_conv import (KERNELS,
                                                         DepthwiseConv2d,
                                                         crop_to_map,
                                                         fastest_kernel)

pytestmark = pytest.mark.unit

MAPS = [(1, 1), (2, 2), (3, 3), (7, 7), (2, 5), (1, 4), (3, 6)]
KERNEL_SIZES = [(3, 3), (5, 5), (7, 7), (1, 3), (5, 1)]


def full_conv_and_grads(conv, x):
    """Output and gradients of ``conv``'s uncropped kernel as one plain
    grouped conv, channels-first."""
    x = x.detach().contiguous().requires_grad_()
    weight = conv.weight.detach().clone().requires_grad_()
    bias = conv.bias.detach().clone().requires_grad_()
    out = F.conv2d(
        x, weight, bias, padding=conv.padding, groups=conv.in_channels)
    out.backward(torch.linspace(-1, 1, out.numel()).view_as(out))
    return out.detach(), x.grad, weight.grad, bias.grad


def conv_and_grads(conv, x, forward=None):
    x = x.detach().clone().requires_grad_()
    conv.zero_grad()
    out = (forward or conv)(x)
    out.backward(torch.linspace(-1, 1, out.numel()).view_as(out))
    return out.detach(), x.grad, conv.weight.grad, conv.bias.grad


def assert_all_close(actual, expected):
    for a, e in zip(actual, expected):
        assert a.shape == e.shape
        assert torch.allclose(a, e, atol=1e-5), (a - e).abs().max()


@pytest.mark.parametrize(
    'map_size, kernel_size, multiplier, conv_impl',
    list(
        itertools.product(MAPS, KERNEL_SIZES, [1, 2],
                          ['channel_multiplier', 'grouped'])))
def test_equals_the_uncropped_conv(map_size, kernel_size, multiplier,
                                   conv_impl):
    torch.manual_seed(0)
    conv = DepthwiseConv2d(
        4,
        4 * multiplier,
        kernel_size,
        padding=tuple(k // 2 for k in kernel_size),
        conv_impl=conv_impl)
    x = torch.randn(3, 4,
                    *map_size).contiguous(memory_format=torch.channels_last)
    expected = full_conv_and_grads(conv, x)
    actual = conv_and_grads(conv, x)
    assert_all_close(actual, expected)
    # The taps that only meet padding get exactly the full conv's zero.
    kh, kw = kernel_size
    h, w = map_size
    if kh > 2 * h - 1:
        assert torch.all(actual[2][..., 0, :] == 0)


@pytest.mark.parametrize(
    'name, map_size', [(name, map_size)
                       for name, map_size in itertools.product(KERNELS, MAPS)
                       if map_size[0] * map_size[1] in KERNELS[name][1]])
@pytest.mark.parametrize('multiplier', [1, 3])
def test_every_kernel_equals_the_uncropped_conv(name, map_size, multiplier):
    kernel = KERNELS[name][0]
    torch.manual_seed(0)
    conv = DepthwiseConv2d(2, 2 * multiplier, 7, padding=3)
    x = torch.randn(2, 2, *map_size)

    def forward(x):
        weight, padding = crop_to_map(conv.weight, conv.padding, map_size)
        return kernel(
            x.repeat_interleave(multiplier, 1), weight, conv.bias, padding)

    assert_all_close(
        conv_and_grads(conv, x, forward), full_conv_and_grads(conv, x))


@pytest.mark.parametrize('kernel_size, map_size, kept', [
    (7, (1, 1), (1, 1)),
    (7, (2, 2), (3, 3)),
    (7, (3, 3), (5, 5)),
    (7, (4, 4), (7, 7)),
    (5, (2, 9), (3, 5)),
    ((1, 3), (1, 1), (1, 1)),
])
def test_crop_keeps_the_taps_that_meet_the_map(kernel_size, map_size, kept):
    conv = DepthwiseConv2d(
        2,
        2,
        kernel_size,
        padding=tuple(k // 2 for k in (
            (kernel_size,
             kernel_size) if isinstance(kernel_size, int) else kernel_size)))
    weight, padding = crop_to_map(conv.weight, conv.padding, map_size)
    assert tuple(weight.shape[-2:]) == kept
    assert padding == tuple(k // 2 for k in kept)


def test_other_padding_is_not_cropped():
    torch.manual_seed(0)
    conv = DepthwiseConv2d(2, 4, 3, padding=0)
    assert not conv.keeps_map_size
    x = torch.randn(1, 2, 5, 5)
    assert torch.equal(conv(x), F.conv2d(x, conv.weight, conv.bias, groups=2))


def test_without_bias():
    torch.manual_seed(0)
    conv = DepthwiseConv2d(4, 8, 5, padding=2, bias=False)
    x = torch.randn(2, 4, 2, 2)
    for name in KERNELS:
        weight, padding = crop_to_map(conv.weight, conv.padding, (2, 2))
        out = KERNELS[name][0](x.repeat_interleave(2, 1), weight, None,
                               padding)
        expected = F.conv2d(x, conv.weight, padding=2, groups=4)
        assert torch.allclose(out, expected, atol=1e-5)


def test_fastest_kernel_is_timed_once_per_shape(monkeypatch):
    monkeypatch.setattr(depthwise_conv, 'FASTEST_KERNELS', {})
    timed = []
    monkeypatch.setattr(
        depthwise_conv, 'KERNELS', {
            name:
            (lambda *args, run=run: timed.append(run) or run(*args), pixels)
            for name, (run, pixels) in KERNELS.items()
        })
    x, weight = torch.randn(2, 4, 2, 2), torch.randn(4, 1, 3, 3)
    first = fastest_kernel(x, weight, None, (1, 1))
    # conv, products and matmul: weight_as_conv is for larger maps.
    assert first in KERNELS and len(timed) == 4 * 3
    assert fastest_kernel(x, weight, None, (1, 1)) == first
    # device, dtype, shapes, backward, padding, no bias, autocast
    key = ('cpu', 'torch.float32', (2, 4, 2, 2), (4, 1, 3, 3), True, (1, 1),
           True, False)
    assert depthwise_conv.FASTEST_KERNELS == {key: first}
    assert len(timed) == 4 * 3
    # Larger maps: the conv and weight_as_conv in training, without
    # autograd the conv, untimed (the two forwards are the same).
    large = torch.randn(1, 4, 5, 5)
    assert fastest_kernel(large, weight, None,
                          (1, 1)) in ('conv', 'weight_as_conv')
    assert len(timed) == 4 * 3 + 4 * 2
    with torch.no_grad():
        assert fastest_kernel(large, weight, None, (1, 1)) == 'conv'
    assert len(timed) == 4 * 3 + 4 * 2


def test_first_met_in_inference_mode_then_trained():
    conv = DepthwiseConv2d(3, 6, 5, padding=2)
    x = torch.randn(2, 3, 2, 3)
    with torch.inference_mode():
        expected = conv(x)
    out = conv(x.clone().requires_grad_())
    out.sum().backward()
    assert torch.allclose(out, expected, atol=1e-6)
    assert conv.weight.grad is not None


def test_weight_as_conv_under_autocast():
    """bf16 forward and backward; gradients come back in fp32."""
    torch.manual_seed(0)
    conv = DepthwiseConv2d(3, 6, 5, padding=2)
    x = torch.randn(2, 3, 6, 5)
    expected = full_conv_and_grads(conv, x)

    def forward(x):
        with torch.autocast('cpu', dtype=torch.bfloat16):
            return KERNELS['weight_as_conv'][0](x.repeat_interleave(2, 1),
                                                conv.weight, conv.bias,
                                                conv.padding)

    out, *grads = conv_and_grads(conv, x, forward)
    assert out.dtype == torch.bfloat16
    for actual, full in zip([out, *grads], expected):
        assert actual.shape == full.shape
        assert torch.allclose(
            actual.float(), full, atol=0.02 * full.abs().max())
    assert all(grad.dtype == torch.float32 for grad in grads)
