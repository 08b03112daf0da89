# Table 6, Model A: ConvNeXt-T/512 with New Blocks, i.e. Model D with
# ConvNeXt's 4x4 patchify stem.
_base_ = ['./convnext-lstm-tiny-model-d.py']

model = dict(backbone=dict(stem_type='patchify'))
