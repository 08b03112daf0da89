# The paper's Tiny ImageNet recipe for ConvNeXt-LSTM-T (Table 3), under the
# name its README uses:
#   bash tools/dist_train.sh configs/convnext_lstm_tiny.py 8
# Everything is in the algorithm folder's recipe.
_base_ = ['./convnext_lstm/convnext-lstm-tiny_8xb32_tiny-imagenet.py']
