# Copyright (c) mmconvnext_lstm contributors. All rights reserved.
"""A real mmengine Runner around a tiny model, for tests of the hooks."""
import itertools

import torch
from mmengine.evaluator import BaseMetric, Evaluator
from mmengine.model import BaseModel
from mmengine.runner import Runner
from torch import nn
from torch.utils.data import Dataset

_names = itertools.count()


class ToyModel(BaseModel):
    """A linear regressor with mmengine's model interface.

    Args:
        width (int): Number of input features. Defaults to 2.
    """

    def __init__(self, width: int = 2):
        super().__init__()
        self.backbone = nn.Linear(width, 3)
        self.head = nn.Linear(3, 1)

    def forward(self, inputs, labels=None, mode='tensor'):
        outputs = self.head(self.backbone(inputs))
        if mode == 'loss':
            return dict(loss=(outputs - labels).pow(2).mean())
        return outputs


class ToyDataset(Dataset):
    """Four samples of two features and a target."""

    metainfo = dict(classes=('low', 'high'))

    def __len__(self):
        return 4

    def __getitem__(self, index):
        return dict(
            inputs=torch.full((2, ), float(index)),
            labels=torch.tensor([float(index)]))


class RisingMetric(BaseMetric):
    """``acc`` that improves at every evaluation, so that every epoch has
    a new best checkpoint."""

    def __init__(self):
        super().__init__()
        self.evaluations = 0

    def process(self, data_batch, data_samples):
        self.results.append(0)

    def compute_metrics(self, results):
        self.evaluations += 1
        return dict(acc=float(self.evaluations))


def toy_runner(work_dir,
               max_epochs=2,
               checkpoint=None,
               model=None,
               **kwargs) -> Runner:
    """A runner training ``ToyModel`` for ``max_epochs`` with validation
    and ``AtomicCheckpointHook`` (``checkpoint`` updates its settings).

    Args:
        work_dir: The runner's work dir.
        max_epochs (int): Epochs to train. Defaults to 2.
        checkpoint (dict, optional): Settings of the checkpoint hook.
            Defaults to None, meaning every epoch, one kept.
        model (nn.Module, optional): Defaults to a new ``ToyModel``.
        **kwargs: More ``Runner`` arguments (load_from, resume...).
    """
    dataloader = dict(
        dataset=ToyDataset(),
        sampler=dict(type='DefaultSampler', shuffle=False),
        batch_size=2,
        num_workers=0,
        collate_fn=dict(type='default_collate'))
    hook = dict(type='AtomicCheckpointHook', interval=1, max_keep_ckpts=1)
    hook.update(checkpoint or {})
    return Runner(
        model=model or ToyModel(),
        work_dir=str(work_dir),
        experiment_name=f'toy_{next(_names)}',
        default_scope='mmpretrain',
        train_dataloader=dataloader,
        val_dataloader=dataloader,
        test_dataloader=dataloader,
        val_evaluator=Evaluator([RisingMetric()]),
        test_evaluator=Evaluator([RisingMetric()]),
        train_cfg=dict(by_epoch=True, max_epochs=max_epochs, val_interval=1),
        val_cfg=dict(),
        test_cfg=dict(),
        optim_wrapper=dict(optimizer=dict(type='SGD', lr=0.01)),
        param_scheduler=dict(type='MultiStepLR', milestones=[1]),
        default_hooks=dict(checkpoint=hook, logger=dict(type='LoggerHook')),
        env_cfg=dict(dist_cfg=dict(backend='gloo')),
        **kwargs)
