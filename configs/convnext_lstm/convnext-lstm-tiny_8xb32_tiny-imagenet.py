# ConvNeXt-LSTM-T on Tiny ImageNet with the paper's recipe (Table 3; 71.39
# top-1 on val in Table 4): 8 GPUs x 32 images, AdamW lr 4e-3, 300 epochs,
# from scratch (no pretrained weights), layer scale init 1e-6 (model base).
# configs/convnext_lstm_tiny.py is this recipe under the paper's name.
_base_ = [
    '../_base_/models/convnext-lstm-tiny.py',
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
