# Table 6, Model E: ConvNeXt-LSTM-T with ConvNeXt's 4x4 patchify stem (New
# Blocks and BiLSTM2D kept).
_base_ = ['./convnext-lstm-tiny.py']

model = dict(backbone=dict(stem_type='patchify'))
