# The ablation's baseline (Table 6, ConvNeXt-T/512: ConvNeXt-T with the
# paper's channels [64, 128, 320, 512], no BiLSTM2D) trained exactly as the
# demo trains ConvNeXt-LSTM-T, to compare curves and Grad-CAMs with it.
_base_ = [
    '../_base_/models/convnext/convnext-tiny-512.py',
    '../_base_/datasets/cifar10-demo_bs64.py',
    '../_base_/schedules/cifar10-demo_bs64_adamw.py',
    '../_base_/demo_runtime.py',
]

# Eight epochs are too few for stochastic depth to pay off.
model = dict(backbone=dict(drop_path_rate=0.))
