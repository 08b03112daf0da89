# ConvNeXt-LSTM-T on Tiny ImageNet with the paper's recipe (Table 3): 8 GPUs x
# 32 images, AdamW lr 4e-3, 300 epochs, from scratch (no pretrained
# weights), layer scale init 1e-6 (model base). The design variants of
# Table 7 inherit it; configs/convnext_lstm_tiny.py is its alias.
_base_ = [
    '../_base_/models/convnext_lstm/convnext-lstm-tiny.py',
    '../_base_/datasets/tiny-imagenet_bs32_224.py',
    '../_base_/schedules/tiny-imagenet_bs256_adamw.py',
    '../_base_/default_runtime.py',
]

# 200 classes; label smoothing 0.1 (Table 3).
model = dict(
    head=dict(
        num_classes=200,
        loss=dict(
            type='LabelSmoothLoss', label_smooth_val=0.1, mode='original')))
