# ConvNeXt-LSTM-T with the paper's CIFAR-10 SGD recipe (Table 3), reading
# CIFAR-10 from a folder of JPEGs
# (configs/_base_/datasets/cifar10-jpg_bs128.py) instead of the original
# python batches.
_base_ = [
    '../_base_/models/convnext_lstm/convnext-lstm-tiny.py',
    '../_base_/datasets/cifar10-jpg_bs128.py',
    '../_base_/schedules/cifar_bs128_sgd.py',
    '../_base_/default_runtime.py',
]
