# The paper's second CIFAR-10/100 recipe (Table 5, last row): AdamW with lr
# 1.25e-3 and weight decay 0.05. The paper states nothing else; we keep the
# epochs (200) and batch (128) of its CIFAR SGD recipe and the AdamW
# schedule of its Tiny ImageNet recipe (adamw_convnext.py).
_base_ = ['./adamw_convnext.py']

optim_wrapper = dict(optimizer=dict(lr=1.25e-3))

train_cfg = dict(by_epoch=True, max_epochs=200, val_interval=1)

# The lr above is for a total batch of 128 (1 GPU x 128); --auto-scale-lr
# scales it linearly to the batch actually used.
auto_scale_lr = dict(base_batch_size=128)
