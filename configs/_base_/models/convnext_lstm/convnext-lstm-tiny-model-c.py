# Table 6, Model C: ConvNeXt-T/512 with the paper's 7x7 s2 + 2x2 s2 stem,
# i.e. Model D with ConvNeXt's own block (mmpretrain does not register the
# block, hence its import path).
_base_ = ['./convnext-lstm-tiny-model-d.py']

model = dict(
    backbone=dict(
        block_cfg=dict(
            type='mmpretrain.models.backbones.convnext.ConvNeXtBlock')))
