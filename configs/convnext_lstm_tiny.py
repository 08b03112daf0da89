# Alias: the paper's Tiny ImageNet recipe for ConvNeXt-LSTM-T under the name
# its command uses (bash tools/dist_train.sh configs/convnext_lstm_tiny.py 8).
_base_ = ['./convnext_lstm/convnext-lstm-tiny_8xb32_tiny-imagenet.py']
