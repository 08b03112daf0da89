# Copyright (c) mmconvnext_lstm contributors. All rights reserved.
import re

import pytest
import torch
from helpers import DEVICES, FP32_TOLERANCE
from mmpretrain.models.backbones import ConvNeXt
from mmpretrain.models.backbones.convnext import ConvNeXtBlock
from mmpretrain.registry import MODELS

from mmconvnext_lstm.models import MultiScaleConvNeXt
from mmconvnext_lstm.utils.errors import ConfigError

pytestmark = pytest.mark.unit

CONVNEXT_BLOCK = 'mmpretrain.models.backbones.convnext.ConvNeXtBlock'
TINY = dict(depths=[3, 3, 9, 3], channels=[64, 128, 320, 512])
# One block a stage keeps the many shape checks fast; the stages, stems and
# norms are the same as tiny's.
SMALL = dict(depths=[1, 1, 1, 1], channels=[8, 16, 24, 32])


def small_backbone(**kwargs):
    kwargs.setdefault('arch', SMALL)
    return MODELS.build(dict(type='MultiScaleConvNeXt', **kwargs))


def expected_map_sizes(size):
    """Map sides of the four stages: both stems have stride 4, then /2."""
    return [size // 4 // 2**i for i in range(4)]


def test_registered():
    assert MODELS.get('MultiScaleConvNeXt') is MultiScaleConvNeXt
    assert MODELS.get('MultiScaleConvNeXtBlock') is not None
    # Importing the plugin adds nothing of mmpretrain's own to its registry.
    assert 'ConvNeXtBlock' not in MODELS.module_dict


def test_convnext_block_by_dotted_path():
    model = small_backbone(block_cfg=dict(type=CONVNEXT_BLOCK))
    assert all(
        type(block) is ConvNeXtBlock for stage in model.stages
        for block in stage)


@pytest.mark.parametrize('kwargs, message', [
    (dict(drop_path_rate=1.0), r'drop_path_rate must be in \[0, 1\), got 1.0.*'
     r'drops every sample'),
    (dict(drop_path_rate=-0.1), r'got -0.1.*cannot be negative.*set 0'),
    (dict(layer_scale_init_value=-1.0),
     r'layer_scale_init_value must be >= 0.*got -1.0'),
])
@pytest.mark.parametrize('block_type',
                         ['MultiScaleConvNeXtBlock', CONVNEXT_BLOCK])
def test_bad_regularisation(kwargs, message, block_type):
    with pytest.raises(ConfigError, match=message):
        small_backbone(block_cfg=dict(type=block_type), **kwargs)


def test_block_cfg_reaches_the_blocks():
    model = small_backbone(
        block_cfg=dict(type='MultiScaleConvNeXtBlock', conv_impl='grouped'))
    assert all(block.conv_impl == 'grouped' for stage in model.stages
               for block in stage)


def test_unknown_arch_lists_valid_ones():
    with pytest.raises(ConfigError, match=r"Unknown arch 'huge'.*\['tiny'\]"):
        MultiScaleConvNeXt(arch='huge')


@pytest.mark.parametrize('arch', [
    dict(depths=[3, 3], channels=[8, 16, 24]),
    dict(depths=[3, 3, 9, 3]),
    dict(depths=[], channels=[]),
    [3, 3, 9, 3],
])
def test_bad_arch_dict(arch):
    with pytest.raises(
            ConfigError,
            match=r'arch dict needs "depths" and "channels" lists, non-empty '
            r'and of the same length, got ' + re.escape(repr(arch))):
        MultiScaleConvNeXt(arch=arch)


@pytest.mark.parametrize('out_indices', [4, [0, -5], [1, -3], 'last', [0.5]])
def test_bad_out_indices(out_indices):
    with pytest.raises(
            ConfigError,
            match=r'out_indices must be a stage index or a sequence of '
            r'distinct ones, from -4 to 3 \(this arch has 4 stages\), got ' +
            re.escape(repr(out_indices))):
        small_backbone(out_indices=out_indices)


@pytest.mark.parametrize('frozen_stages', [-1, 5, 1.5, None])
def test_bad_frozen_stages(frozen_stages):
    with pytest.raises(
            ConfigError,
            match=r'frozen_stages must be an int from 0 \(train all\) to 4'):
        small_backbone(frozen_stages=frozen_stages)


def test_bad_stem_type():
    with pytest.raises(
            ConfigError,
            match=r"stem_type must be one of \('patchify', 'overlap'\), "
            r"got 'conv'"):
        small_backbone(stem_type='conv')


@pytest.mark.parametrize('stem_type, min_size', [('overlap', 31),
                                                 ('patchify', 32)])
def test_input_too_small_says_the_minimum(stem_type, min_size):
    # overlap: 7x7 s2 p3 gives ceil(s / 2), which three more halvings after
    # the 2x2 s2 conv must leave >= 1, so s >= 31; patchify: s // 32 >= 1.
    model = small_backbone(stem_type=stem_type).eval()
    assert model.min_input_size == min_size
    model(torch.rand(1, 3, min_size, min_size))
    too_small = min_size - 1
    message = (f'input of {too_small}x{min_size} px is too small.*'
               f'at least {min_size}x{min_size} px')
    with pytest.raises(ConfigError, match=message):
        model(torch.rand(1, 3, too_small, min_size))
    with pytest.raises(ConfigError, match='16x16 px is too small'):
        model(torch.rand(1, 3, 16, 16))


@pytest.mark.parametrize('stem_type', ['overlap', 'patchify'])
@pytest.mark.parametrize('block', ['MultiScaleConvNeXtBlock', CONVNEXT_BLOCK])
@pytest.mark.parametrize('out_indices', [-1, (0, 1, 2, 3), (1, -2)])
@pytest.mark.parametrize('gap_before_final_norm', [True, False])
@pytest.mark.parametrize('size', [32, 64])
def test_output_shapes(stem_type, block, out_indices, gap_before_final_norm,
                       size):
    model = small_backbone(
        stem_type=stem_type,
        block_cfg=dict(type=block),
        out_indices=out_indices,
        gap_before_final_norm=gap_before_final_norm).eval()
    outs = model(torch.rand(2, 3, size, size))
    indices = [out_indices] if isinstance(out_indices, int) else out_indices
    indices = [i % 4 for i in indices]
    assert len(outs) == len(indices)
    sides = expected_map_sizes(size)
    for out, i in zip(outs, indices):
        channels = SMALL['channels'][i]
        if gap_before_final_norm:
            assert out.shape == (2, channels)
        else:
            assert out.shape == (2, channels, sides[i], sides[i])


@pytest.mark.parametrize('gap_before_final_norm', [True, False])
def test_tiny_output_shapes_at_224(gap_before_final_norm):
    model = MultiScaleConvNeXt(
        arch='tiny',
        out_indices=(0, 1, 2, 3),
        gap_before_final_norm=gap_before_final_norm).eval()
    with torch.no_grad():
        outs = model(torch.rand(1, 3, 224, 224))
    for out, channels, side in zip(outs, TINY['channels'], [56, 28, 14, 7]):
        if gap_before_final_norm:
            assert out.shape == (1, channels)
        else:
            assert out.shape == (1, channels, side, side)


def test_gap_before_final_norm_pools_then_normalises():
    model = small_backbone(gap_before_final_norm=True).eval()
    features = model(torch.rand(2, 3, 64, 64))[0]
    # The final LayerNorm leaves each sample's features with mean 0, std 1.
    assert torch.allclose(features.mean(1), torch.zeros(2), atol=1e-5)
    assert torch.allclose(
        features.std(1, unbiased=False), torch.ones(2), atol=1e-3)


def test_gradients_reach_every_parameter():
    model = small_backbone(
        out_indices=(0, 1, 2, 3), layer_scale_init_value=1.0)
    model.train()
    outs = model(torch.rand(2, 3, 64, 64))
    sum(out.pow(2).sum() for out in outs).backward()
    for name, param in model.named_parameters():
        assert param.grad is not None, name
        assert param.grad.abs().sum() > 0, name


def test_frozen_stages_get_no_gradients_and_stay_in_eval():
    model = small_backbone(frozen_stages=2, out_indices=(0, 1, 2, 3))
    model.train()
    frozen = [model.downsample_layers[i] for i in range(2)]
    frozen += [model.stages[i] for i in range(2)]
    for module in frozen:
        for submodule in module.modules():
            assert not submodule.training
    for i in range(2, 4):
        assert model.stages[i].training
        assert model.downsample_layers[i].training
    outs = model(torch.rand(2, 3, 64, 64))
    sum(out.sum() for out in outs).backward()
    frozen_params = {id(p) for m in frozen for p in m.parameters()}
    for name, param in model.named_parameters():
        if id(param) in frozen_params:
            assert not param.requires_grad and param.grad is None, name
        else:
            assert param.grad is not None, name


# mmpretrain's ConvNeXtBlock calls checkpoint() without use_reentrant.
@pytest.mark.filterwarnings('ignore:torch.utils.checkpoint')
@pytest.mark.parametrize('block', ['MultiScaleConvNeXtBlock', CONVNEXT_BLOCK])
@pytest.mark.parametrize('device', DEVICES)
def test_with_cp_gives_the_same_output_and_gradients(block, device, no_tf32):
    torch.manual_seed(0)
    plain = small_backbone(
        block_cfg=dict(type=block), layer_scale_init_value=1.0).to(device)
    checkpointed = small_backbone(
        block_cfg=dict(type=block), layer_scale_init_value=1.0,
        with_cp=True).to(device)
    checkpointed.load_state_dict(plain.state_dict())
    assert all(block.with_cp for stage in checkpointed.stages
               for block in stage)
    x = torch.rand(2, 3, 32, 32, device=device)
    grads = []
    for model in (plain, checkpointed):
        model.train()
        inputs = x.clone().requires_grad_()
        out = model(inputs)[0]
        out.sum().backward()
        grads.append((out.detach(), inputs.grad,
                      model.stages[0][0].depthwise_conv.weight.grad))
    for expected, actual in zip(*grads):
        assert torch.allclose(expected, actual, **FP32_TOLERANCE[device])


@pytest.mark.parametrize('device', DEVICES)
def test_conv_impls_and_memory_formats_agree(device, no_tf32):
    """Both kernels and both memory formats of the input give one network:
    same outputs and input gradients from the same weights."""
    torch.manual_seed(0)
    x = torch.rand(2, 3, 32, 32, device=device)
    results = []
    for conv_impl in ('channel_multiplier', 'grouped'):
        torch.manual_seed(0)
        model = small_backbone(
            block_cfg=dict(
                type='MultiScaleConvNeXtBlock', conv_impl=conv_impl),
            layer_scale_init_value=1.0).to(device)
        for memory_format in (torch.contiguous_format, torch.channels_last):
            inputs = x.clone(memory_format=memory_format).requires_grad_()
            out = model(inputs)[0]
            out.pow(2).sum().backward()
            results.append((out.detach(), inputs.grad))
    for out, grad in results[1:]:
        assert torch.allclose(out, results[0][0], **FP32_TOLERANCE[device])
        assert torch.allclose(grad, results[0][1], **FP32_TOLERANCE[device])


def test_eval_is_deterministic():
    model = small_backbone(drop_path_rate=0.5, layer_scale_init_value=1.0)
    x = torch.rand(2, 3, 32, 32)
    model.train()
    # Stochastic depth makes training passes differ ...
    torch.manual_seed(1)
    first = model(x)[0]
    torch.manual_seed(2)
    assert not torch.allclose(first, model(x)[0])
    # ... and eval passes identical.
    model.eval()
    assert torch.equal(model(x)[0], model(x)[0])


def test_init_weights_follows_convnext():
    model = MultiScaleConvNeXt(arch='tiny')
    model.init_weights()
    conv = model.stages[3][0].fuse_conv.weight
    # PyTorch's own init of this 2048 -> 512 Linear has std 0.013.
    assert abs(conv.std().item() - 0.02) < 0.002
    assert torch.all(model.stages[3][0].fuse_conv.bias == 0)
    assert torch.all(model.norm3.weight == 1)
    assert torch.all(model.stages[0][0].gamma == 1e-6)


def test_patchify_convnext_blocks_are_mmpretrains_convnext():
    """Model B's backbone is mmpretrain's ConvNeXt; our class expresses the
    same network, with the same parameter names and layer-wise depths."""
    ours = MultiScaleConvNeXt(
        arch=TINY, stem_type='patchify', block_cfg=dict(type=CONVNEXT_BLOCK))
    theirs = ConvNeXt(arch=TINY)
    ours_state, theirs_state = ours.state_dict(), theirs.state_dict()
    assert list(ours_state) == list(theirs_state)
    assert all(ours_state[k].shape == theirs_state[k].shape
               for k in ours_state)
    for name in ours_state:
        assert ours.get_layer_depth(name,
                                    '') == theirs.get_layer_depth(name, '')
    theirs.load_state_dict(ours_state)
    ours.eval(), theirs.eval()
    x = torch.rand(1, 3, 32, 32)
    assert torch.allclose(ours(x)[0], theirs(x)[0], atol=1e-5)


def test_get_layer_depth():
    model = MultiScaleConvNeXt(arch='tiny')
    assert model.get_layer_depth('backbone.downsample_layers.0.0.weight',
                                 'backbone.') == (0, 8)
    assert model.get_layer_depth('backbone.stages.2.7.gamma',
                                 'backbone.') == (5, 8)
    assert model.get_layer_depth('head.fc.weight', 'backbone.') == (7, 8)
    assert model.get_layer_depth('backbone.norm3.weight',
                                 'backbone.') == (7, 8)
