# Copyright (c) mmconvnext_lstm contributors. All rights reserved.
"""Training curves from mmengine work directories.

mmengine's ``LocalVisBackend`` writes ``<work_dir>/<timestamp>/vis_data/
scalars.json``: one JSON object per line, training records (``loss``,
``lr``, ``epoch``, ``iter``, ``step``) at every logging interval and
evaluation records (e.g. ``accuracy/top1`` with ``step`` = the epoch of
an epoch-based run) after every validation.
"""
import glob
import json
import os
import os.path as osp
from dataclasses import dataclass, field
from typing import List, Optional, Sequence

from matplotlib.figure import Figure
from mmengine.runner import find_latest_checkpoint


@dataclass
class RunLog:
    """The scalars of one training run.

    Attributes:
        path (str): The ``scalars.json`` they were read from.
        train (List[dict]): Records with a training ``loss``.
        val (List[dict]): Evaluation records (the rest).
    """
    path: str
    train: List[dict] = field(default_factory=list)
    val: List[dict] = field(default_factory=list)

    def metric(self, key: str) -> List[tuple]:
        """(step, value) of every evaluation record that has ``key``."""
        return [(r['step'], r[key]) for r in self.val if key in r]

    def last_metric(self, key: str) -> Optional[float]:
        values = self.metric(key)
        return values[-1][1] if values else None


def find_scalars(run: str) -> str:
    """Resolve a work dir, a timestamped run dir or a ``scalars.json`` path
    to the ``scalars.json`` file (the newest run's in a work dir)."""
    if osp.isfile(run):
        return run
    candidates = (
        glob.glob(osp.join(run, 'vis_data', 'scalars.json')) +
        glob.glob(osp.join(run, '*', 'vis_data', 'scalars.json')))
    if not candidates:
        raise FileNotFoundError(
            f'No training log found for {run!r}: expected '
            f'{osp.join(run, "<timestamp>", "vis_data", "scalars.json")} '
            '(written by tools/train.py into its --work-dir) or the path of '
            'a scalars.json file.')
    # Timestamped run folders sort by time; the newest is the one wanted.
    return sorted(candidates)[-1]


def load_run(run: str) -> RunLog:
    """Read a run's scalars (see :func:`find_scalars` for ``run``)."""
    path = find_scalars(run)
    log = RunLog(path)
    with open(path) as f:
        for number, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError as error:
                raise ValueError(
                    f'{path}, line {number}, is not JSON ({error}); is the '
                    'file an mmengine scalars.json?') from error
            (log.train if 'loss' in record else log.val).append(record)
    if not log.train and not log.val:
        raise ValueError(f'{path} holds no records: the run logged nothing '
                         'yet.')
    return log


def plot_curves(runs: Sequence[str],
                out_file: str,
                labels: Optional[Sequence[str]] = None,
                metric: str = 'accuracy/top1',
                title: Optional[str] = None) -> str:
    """Plot the training loss (by iteration) and an evaluation metric (by
    epoch) of runs side by side, one colour per run.

    Args:
        runs (Sequence[str]): Work dirs (or run dirs or ``scalars.json``
            files) of the runs to compare.
        out_file (str): Path of the PNG to write.
        labels (Sequence[str], optional): A legend name per run. Defaults
            to None: the work dirs' names.
        metric (str): The evaluation record to plot. Defaults to
            'accuracy/top1'.
        title (str, optional): Title of the figure. Defaults to None.

    Returns:
        str: ``out_file``.
    """
    if not runs:
        raise ValueError('Give at least one run to plot.')
    labels = list(labels) if labels else [
        osp.basename(osp.normpath(run)) for run in runs
    ]
    if len(labels) != len(runs):
        raise ValueError(f'{len(labels)} labels for {len(runs)} runs: give '
                         'one label per run.')
    logs = [load_run(run) for run in runs]

    fig = Figure(figsize=(10, 4), dpi=100)
    loss_ax, metric_ax = fig.subplots(1, 2)
    for log, label in zip(logs, labels):
        if log.train:
            loss_ax.plot([r['step'] for r in log.train],
                         [r['loss'] for r in log.train],
                         label=label,
                         linewidth=1)
        points = log.metric(metric)
        if points:
            steps, values = zip(*points)
            metric_ax.plot(
                steps,
                values,
                marker='o',
                label=f'{label}: '
                f'{values[-1]:.2f} last',
                linewidth=1)
    loss_ax.set_xlabel('iteration')
    loss_ax.set_ylabel('training loss')
    loss_ax.set_title('Training loss')
    metric_ax.set_xlabel('epoch (iteration for iteration-based runs)')
    metric_ax.set_ylabel(metric)
    metric_ax.set_title(f'Validation {metric}')
    for ax in (loss_ax, metric_ax):
        ax.grid(alpha=0.3)
        if ax.has_data():
            ax.legend(fontsize=8)
    if not metric_ax.has_data():
        metric_ax.text(
            0.5,
            0.5,
            f'no "{metric}" records',
            ha='center',
            va='center',
            transform=metric_ax.transAxes)
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    os.makedirs(osp.dirname(osp.abspath(out_file)), exist_ok=True)
    fig.savefig(out_file)
    return out_file


def summarize_run(work_dir: str, metric: str = 'accuracy/top1') -> str:
    """One line per fact a finished run leaves: its last ``metric`` and its
    last checkpoint.

    Args:
        work_dir (str): The run's work directory.
        metric (str): The evaluation record to report. Defaults to
            'accuracy/top1'.

    Returns:
        str: The summary.
    """
    log = load_run(work_dir)
    value = log.last_metric(metric)
    checkpoint = find_latest_checkpoint(work_dir)
    if value is None:
        raise ValueError(f'The run in {work_dir} logged no "{metric}": was '
                         'it trained without validation?')
    if checkpoint is None:
        raise FileNotFoundError(f'The run in {work_dir} saved no checkpoint.')
    return (f'{metric}: {value:.2f} %\n'
            f'checkpoint: {osp.abspath(checkpoint)}\n'
            f'training log: {osp.abspath(log.path)}')
