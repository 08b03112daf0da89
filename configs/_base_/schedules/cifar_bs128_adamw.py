# The paper's second CIFAR-10/100 recipe (Table 5, last row): AdamW with lr
# 1.25e-3 and weight decay 0.05. The paper states nothing else; we keep
# - epochs (200) and batch (128) of its CIFAR SGD recipe, and
# - the schedule shape of its other AdamW recipe (Tiny ImageNet, Table 3):
#   betas (0.9, 0.999), 20 epochs of linear warm-up, then cosine decay,
#   no weight decay on norms, biases and layer scales.
_base_ = ['./tiny-imagenet_bs256_adamw.py']

optim_wrapper = dict(optimizer=dict(lr=1.25e-3))

train_cfg = dict(max_epochs=200)

# The lr above is for a total batch of 128 (1 GPU x 128).
auto_scale_lr = dict(base_batch_size=128)
