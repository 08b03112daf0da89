# The runtime of the demo (default_runtime.py otherwise): a log line every
# 10 of its 47 iterations per epoch, one checkpoint after its 8 epochs, and
# the seed its results in the README were measured with.
_base_ = ['./default_runtime.py']

default_hooks = dict(
    logger=dict(interval=10), checkpoint=dict(interval=8, max_keep_ckpts=1))
randomness = dict(seed=0)
