# Tables 4 and 5, ConvNeXt-T, the paper's baseline: mmpretrain's ConvNeXt
# with its 'tiny' arch (written out, so that ConvNeXt-T/512 changes only the
# channels) and the head and initialisation of this project's models
# (ConvNeXt-LSTM-T inherits them); a standalone base like mmpretrain's
# _base_/models/convnext/convnext-tiny.py.
model = dict(
    # mmpretrain's ImageClassifier, refusing a checkpoint that does not fit.
    type='FitCheckedImageClassifier',
    backbone=dict(
        type='ConvNeXt',
        arch=dict(depths=[3, 3, 9, 3], channels=[96, 192, 384, 768]),
        drop_path_rate=0.1,
        layer_scale_init_value=1e-6),
    head=dict(
        type='LinearClsHead',
        num_classes=10,
        in_channels=768,
        loss=dict(type='CrossEntropyLoss', loss_weight=1.0),
        init_cfg=None),
    init_cfg=dict(
        type='TruncNormal', layer=['Conv2d', 'Linear'], std=.02, bias=0.),
)
