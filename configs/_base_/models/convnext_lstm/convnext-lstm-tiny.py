# ConvNeXt-LSTM-T, the paper's model: ConvNeXt-T's classifier (head and
# initialisation) on the paper's backbone, the 7x7 s2 + 2x2 s2 stem and New
# Blocks (MultiScaleConvNeXtBlock) with channels [64, 128, 320, 512], and the
# BiLSTM2D layer between the last stage and the linear classifier.
_base_ = ['../convnext/convnext-tiny.py']

model = dict(
    backbone=dict(
        _delete_=True,
        type='MultiScaleConvNeXt',
        arch='tiny',
        stem_type='overlap',
        block_cfg=dict(type='MultiScaleConvNeXtBlock'),
        drop_path_rate=0.1,
        layer_scale_init_value=1e-6,
        # BiLSTM2D needs the normalised (B, C, H, W) map, not the pooled one.
        gap_before_final_norm=False),
    neck=dict(type='BiLSTM2D', in_channels=512),
    head=dict(in_channels=512),
)
