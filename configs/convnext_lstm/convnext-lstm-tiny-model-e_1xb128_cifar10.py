# Table 6, Model E (patchify stem, New Block, BiLSTM2D) on CIFAR-10 with the
# paper's SGD recipe.
_base_ = [
    '../_base_/models/convnext_lstm/convnext-lstm-tiny-model-e.py',
    '../_base_/datasets/cifar10_bs128.py',
    '../_base_/schedules/cifar_bs128_sgd.py',
    '../_base_/default_runtime.py',
]
