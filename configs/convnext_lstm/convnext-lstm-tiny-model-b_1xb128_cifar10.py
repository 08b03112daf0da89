# Table 6, Model B (patchify stem, ConvNeXt block, BiLSTM2D) on CIFAR-10 with
# the paper's SGD recipe.
_base_ = [
    '../_base_/models/convnext_lstm/convnext-lstm-tiny-model-b.py',
    '../_base_/datasets/cifar10_bs128.py',
    '../_base_/schedules/cifar_bs128_sgd.py',
    '../_base_/default_runtime.py',
]
