# ConvNeXt-LSTM-T, the paper's model: the 7x7 s2 + 2x2 s2 stem, New Blocks
# (MultiScaleConvNeXtBlock) with channels [64, 128, 320, 512], and the
# BiLSTM2D layer between the last stage and the linear classifier.
model = dict(
    type='ImageClassifier',
    backbone=dict(
        type='MultiScaleConvNeXt',
        arch='tiny',
        stem_type='overlap',
        block_cfg=dict(type='MultiScaleConvNeXtBlock'),
        drop_path_rate=0.1,
        layer_scale_init_value=1e-6,
        # BiLSTM2D needs the normalised (B, C, H, W) map, not the pooled one.
        gap_before_final_norm=False),
    neck=dict(type='BiLSTM2D', in_channels=512),
    head=dict(
        type='LinearClsHead',
        num_classes=10,
        in_channels=512,
        loss=dict(type='CrossEntropyLoss', loss_weight=1.0),
        init_cfg=None),
    init_cfg=dict(
        type='TruncNormal', layer=['Conv2d', 'Linear'], std=.02, bias=0.),
)
