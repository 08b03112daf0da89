# Copyright (c) mmconvnext_lstm contributors. All rights reserved.
"""The paper's Tables 4-7, and ours beside them.

This module is the one place that holds the paper's figures: the
parameters and GMACs it prints, the classes and input size they were
counted at, the model config in ``configs/_base_/models`` that builds the
row (None for the models the paper cites from other work) and the top-1
accuracy it reports for each of our recipes that trains the row. The tests
check the README's results table and docs/complexity.md against it, and
:func:`compare_with_paper` counts every config the way
:func:`complexity.model_complexity` does for
:func:`format_comparison`, the table of
``tools/analysis_tools/get_flops.py --paper``.
"""
import os.path as osp
from typing import Dict, List, Mapping, NamedTuple, Optional, Sequence, Tuple

from mmengine.config import Config

from complexity import build_model, model_complexity
from mmconvnext_lstm.model_index import package_file
from mmconvnext_lstm.models import MultiScaleConvNeXtBlock

# A row without the New Block must reproduce the paper within these.
PARAMS_TOLERANCE = 0.01e6
MACS_TOLERANCE = 0.01e9


class PaperRow(NamedTuple):
    """One row of the paper's tables.

    Args:
        table (int): The table's number in the paper.
        name (str): The row's label there.
        params_m (float): Its parameters, in millions.
        gmacs (float, optional): Its GMACs (the paper's "GFLOPs"), None where
            the table has no such column.
        config (str, optional): Path of the model config under
            ``configs/_base_/models`` that builds the row; None for a model
            the paper cites from other work.
        num_classes (int): Classes of the dataset the row counts. Defaults
            to 10 (CIFAR-10).
        input_size (int): Input side the MACs are counted at. Defaults to
            224.
        top1 (Mapping[str, float]): The paper's top-1 accuracy (%) of the
            row, by the name of our recipe in ``configs/`` that trains it
            (the dataset and recipe the table reports). Defaults to none.
    """
    table: int
    name: str
    params_m: float
    gmacs: Optional[float]
    config: Optional[str]
    num_classes: int = 10
    input_size: int = 224
    top1: Mapping[str, float] = {}


OURS = 'convnext_lstm/convnext-lstm-tiny.py'
CONVNEXT_T = 'convnext/convnext-tiny.py'

# Table 4: Tiny ImageNet (200 classes), GFLOPs counted at 224 px.
# Table 5: CIFAR-10/100, counted with 10 classes at the 32 px the models are
# trained at (0.05 GMACs for ours is 2.19 / 49).
# Tables 6 and 7: CIFAR-10, counted at 224 px.
# Table 7 reports top-1 on CIFAR-10 and on Tiny ImageNet.
# yapf: disable
PAPER_ROWS: Tuple[PaperRow, ...] = (
    PaperRow(4, 'ResNet-18 (Hassani et al. 2021)', 11.20, None, None, 200),
    PaperRow(4, 'ResNet-34 (Hassani et al. 2021)', 21.30, None, None, 200),
    PaperRow(4, 'ResNet-50 (Hassani et al. 2021)', 25.20, None, None, 200),
    PaperRow(4, 'ViT-128/4x4', 0.53, None, None, 200),
    PaperRow(4, 'CCT-128/4x4', 0.91, None, None, 200),
    PaperRow(4, 'CvT-128/4x4', 1.12, None, None, 200),
    PaperRow(4, 'WaveMix-Lite-160/13', 6.90, None, None, 200),
    PaperRow(4, 'WaveMix-Lite-256/7', 9.62, None, None, 200),
    PaperRow(4, 'ResNeXt-50 (AutoMix)', 24.84, None, None, 200),
    PaperRow(4, 'ConvNeXt-T*', 27.97, 4.46, CONVNEXT_T, 200,
             top1={'convnext-tiny_8xb32_tiny-imagenet': 70.36}),
    PaperRow(4, 'Our ConvNeXt-T*', 12.75, 2.19, OURS, 200,
             top1={'convnext-lstm-tiny_8xb32_tiny-imagenet': 71.39}),
    PaperRow(5, 'ResNet-18', 11.18, 0.04, None, 10, 32),
    PaperRow(5, 'ResNet-34', 21.29, 0.08, None, 10, 32),
    PaperRow(5, 'ResNet56', 0.85, 0.13, None, 10, 32),
    PaperRow(5, 'ResNet110', 1.73, 0.26, None, 10, 32),
    PaperRow(5, 'CVT-7/8', 3.74, 0.06, None, 10, 32),
    PaperRow(5, 'ViT-12/16', 85.63, 0.43, None, 10, 32),
    PaperRow(5, 'ViT-Lite-7/16', 3.89, 0.02, None, 10, 32),
    PaperRow(5, 'ViT-Lite-7/8', 3.74, 0.06, None, 10, 32),
    PaperRow(5, 'ConvNeXt-T*', 27.83, 0.09, CONVNEXT_T, 10, 32,
             top1={'convnext-tiny_1xb128_cifar10': 79.26,
                   'convnext-tiny_1xb128_cifar100': 52.45}),
    PaperRow(5, 'Our ConvNeXt-T* (SGD)', 12.65, 0.05, OURS, 10, 32,
             top1={'convnext-lstm-tiny_1xb128_cifar10': 82.44,
                   'convnext-lstm-tiny_1xb128_cifar100': 55.36}),
    PaperRow(5, 'Our ConvNeXt-T (AdamW)', 12.65, 0.05, OURS, 10, 32,
             top1={'convnext-lstm-tiny_1xb128-adamw_cifar10': 92.70,
                   'convnext-lstm-tiny_1xb128-adamw_cifar100': 72.76}),
    PaperRow(6, 'ConvNeXt-T/512', 15.31, 2.55,
             'convnext/convnext-tiny-512.py',
             top1={'convnext-tiny-512_1xb128_cifar10': 80.52}),
    PaperRow(6, 'Model A', 11.05, 2.01,
             'convnext_lstm/convnext-lstm-tiny-model-a.py',
             top1={'convnext-lstm-tiny-model-a_1xb128_cifar10': 80.05}),
    PaperRow(6, 'Model B', 16.89, 2.56,
             'convnext_lstm/convnext-lstm-tiny-model-b.py',
             top1={'convnext-lstm-tiny-model-b_1xb128_cifar10': 79.23}),
    PaperRow(6, 'Model C', 15.33, 2.71,
             'convnext_lstm/convnext-lstm-tiny-model-c.py',
             top1={'convnext-lstm-tiny-model-c_1xb128_cifar10': 80.38}),
    PaperRow(6, 'Model D', 11.08, 2.17,
             'convnext_lstm/convnext-lstm-tiny-model-d.py',
             top1={'convnext-lstm-tiny-model-d_1xb128_cifar10': 81.37}),
    PaperRow(6, 'Model E', 12.63, 2.03,
             'convnext_lstm/convnext-lstm-tiny-model-e.py',
             top1={'convnext-lstm-tiny-model-e_1xb128_cifar10': 81.23}),
    PaperRow(6, 'Model F', 16.91, 2.72,
             'convnext_lstm/convnext-lstm-tiny-model-f.py',
             top1={'convnext-lstm-tiny-model-f_1xb128_cifar10': 76.42}),
    PaperRow(6, 'Our ConvNeXt-T', 12.65, 2.19, OURS,
             top1={'convnext-lstm-tiny_1xb128_cifar10': 82.44}),
    PaperRow(7, 'Our ConvNeXt', 12.65, 2.19, OURS,
             top1={'convnext-lstm-tiny_1xb128_cifar10': 82.44,
                   'convnext-lstm-tiny_8xb32_tiny-imagenet': 71.39}),
    PaperRow(7, 'Design A', 12.02, 1.97,
             'convnext_lstm/convnext-lstm-tiny-design-a.py',
             top1={'convnext-lstm-tiny-design-a_1xb128_cifar10': 75.86,
                   'convnext-lstm-tiny-design-a_8xb32_tiny-imagenet': 70.02}),
    PaperRow(7, 'Design B', 11.77, 2.19,
             'convnext_lstm/convnext-lstm-tiny-design-b.py',
             top1={'convnext-lstm-tiny-design-b_1xb128_cifar10': 81.18,
                   'convnext-lstm-tiny-design-b_8xb32_tiny-imagenet': 69.16}),
    PaperRow(7, 'Design C', 11.69, 1.86,
             'convnext_lstm/convnext-lstm-tiny-design-c.py',
             top1={'convnext-lstm-tiny-design-c_1xb128_cifar10': 80.16,
                   'convnext-lstm-tiny-design-c_8xb32_tiny-imagenet': 69.40}),
)
# yapf: enable


def model_config_dir() -> str:
    """The folder of the model configs (``configs/_base_/models``), in the
    installed package or the checkout."""
    return package_file('configs', '_base_', 'models')


def _uses_new_block(model) -> bool:
    return any(isinstance(m, MultiScaleConvNeXtBlock) for m in model.modules())


def compare_with_paper(rows: Sequence[PaperRow] = PAPER_ROWS,
                       config_dir: Optional[str] = None) -> List[dict]:
    """Count every row's config and set it beside the paper's figures.

    Args:
        rows (Sequence[PaperRow]): The rows to compare. Defaults to all of
            Tables 4-7.
        config_dir (str, optional): Where the rows' configs are. Defaults to
            None, the installed package's ``configs/_base_/models``.

    Returns:
        list[dict]: One dict per row: the row (``row``) and, for rows with a
        config, ``params``, ``macs``, ``lstm_macs`` (ints, as
        :func:`model_complexity` gives them), ``new_block`` (whether the
        model has the New Block), ``params_dev`` and ``macs_dev`` (ours
        minus the paper; MACs without the LSTM, as the paper counts them)
        and ``matches`` (both within :data:`PARAMS_TOLERANCE` and
        :data:`MACS_TOLERANCE`).
    """
    config_dir = config_dir or model_config_dir()
    counted: Dict[tuple, dict] = {}
    results = []
    for row in rows:
        result = dict(row=row)
        results.append(result)
        if row.config is None:
            continue
        key = (row.config, row.num_classes, row.input_size)
        if key not in counted:
            cfg = Config.fromfile(osp.join(config_dir, row.config))
            cfg.model.head.num_classes = row.num_classes
            model = build_model(cfg)
            counted[key] = dict(
                model_complexity(model, (3, row.input_size, row.input_size)),
                new_block=_uses_new_block(model))
        result.update(counted[key])
        result['params_dev'] = result['params'] - row.params_m * 1e6
        matches = abs(result['params_dev']) <= PARAMS_TOLERANCE
        if row.gmacs is not None:
            result['macs_dev'] = (
                result['macs'] - result['lstm_macs'] - row.gmacs * 1e9)
            matches = matches and abs(result['macs_dev']) <= MACS_TOLERANCE
        result['matches'] = matches
    return results


def _format_table(header: Sequence[str], lines: List[Sequence[str]]) -> str:
    widths = [
        max(len(str(cell)) for cell in column)
        for column in zip(header, *lines)
    ]
    rule = '  '.join('-' * w for w in widths)
    text = [
        '  '.join(str(c).ljust(w) for c, w in zip(cells, widths)).rstrip()
        for cells in [header, *lines]
    ]
    return '\n'.join([text[0], rule, *text[1:]])


def _deviation(difference: float, paper: float) -> str:
    return f'{difference:+.4f} ({100 * difference / paper:+.1f}%)'


def format_comparison(results: List[dict]) -> str:
    """The table of :func:`compare_with_paper`'s results, one line a row.

    Params are in millions, MACs in G; "dev" is ours minus the paper's, and
    in percent of the paper's figure, with MACs compared without the LSTM
    (the paper's counter skipped it).
    """
    header = ('table', 'row', 'config', 'classes', 'px', 'M params paper',
              'ours', 'dev', 'GMACs paper', 'ours no LSTM', 'ours + LSTM',
              'dev', 'New Block', 'result')
    lines = []
    for result in results:
        row = result['row']
        paper_macs = '-' if row.gmacs is None else f'{row.gmacs:.2f}'
        if row.config is None:
            lines.append(
                (row.table, row.name, 'cited, not built', row.num_classes,
                 row.input_size, f'{row.params_m:.2f}', '-', '-', paper_macs,
                 '-', '-', '-', '-', '-'))
            continue
        macs_dev = '-' if row.gmacs is None else _deviation(
            result['macs_dev'] / 1e9, row.gmacs)
        if result['matches']:
            verdict = 'matches'
        elif result['new_block']:
            verdict = 'deviates (New Block)'
        else:
            verdict = 'DEVIATES'
        lines.append(
            (row.table, row.name, osp.splitext(osp.basename(row.config))[0],
             row.num_classes, row.input_size, f'{row.params_m:.2f}',
             f'{result["params"] / 1e6:.3f}',
             _deviation(result['params_dev'] / 1e6, row.params_m), paper_macs,
             f'{(result["macs"] - result["lstm_macs"]) / 1e9:.3f}',
             f'{result["macs"] / 1e9:.3f}', macs_dev,
             'yes' if result['new_block'] else 'no', verdict))
    return _format_table(header, lines)


def format_complexity(result: dict, input_shape: Sequence[int]) -> str:
    """A few lines on one :func:`model_complexity` result."""
    macs, lstm_macs = result['macs'], result['lstm_macs']
    return '\n'.join([
        f'Input shape: {tuple(input_shape)}',
        f'Params: {result["params"] / 1e6:.3f} M ({result["params"]})',
        f'MACs with the LSTM: {macs / 1e9:.3f} G ({macs})',
        f'MACs without the LSTM: {(macs - lstm_macs) / 1e9:.3f} G '
        f'({macs - lstm_macs})',
        f'LSTM MACs: {lstm_macs / 1e9:.3f} G ({lstm_macs})',
        '(MACs: one multiply-accumulate each, what mmengine calls "flops"; '
        'counted from image to logits for a batch of one.)',
    ])
