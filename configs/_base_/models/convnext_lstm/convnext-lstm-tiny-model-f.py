# Table 6, Model F: ConvNeXt-LSTM-T with ConvNeXt's own block (the paper's
# stem and BiLSTM2D kept; mmpretrain does not register the block, hence its
# import path).
_base_ = ['./convnext-lstm-tiny.py']

model = dict(
    backbone=dict(
        block_cfg=dict(
            type='mmpretrain.models.backbones.convnext.ConvNeXtBlock')))
