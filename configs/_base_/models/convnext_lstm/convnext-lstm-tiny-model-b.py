# Table 6, Model B: ConvNeXt-T/512 plus the BiLSTM2D layer, on mmpretrain's
# own ConvNeXt backbone.
_base_ = ['../convnext/convnext-tiny-512.py']

model = dict(
    # BiLSTM2D needs the normalised (B, C, H, W) map, not the pooled one.
    backbone=dict(gap_before_final_norm=False),
    neck=dict(type='BiLSTM2D', in_channels=512))
