# Table 6, Model D: ConvNeXt-LSTM-T without the BiLSTM2D layer (the paper's
# stem and New Blocks, global pooling straight into the classifier).
_base_ = ['./convnext-lstm-tiny.py']

model = dict(backbone=dict(gap_before_final_norm=True), neck=None)
