# Table 7, design A (New Block with an extra 7x7 branch) on CIFAR-10 with the
# paper's SGD recipe.
_base_ = [
    '../_base_/models/convnext_lstm/convnext-lstm-tiny-design-a.py',
    '../_base_/datasets/cifar10_bs128.py',
    '../_base_/schedules/cifar_bs128_sgd.py',
    '../_base_/default_runtime.py',
]
