# Copyright (c) mmconvnext_lstm contributors. All rights reserved.
import json

import pytest
from matplotlib.image import imread

from mmconvnext_lstm.visualization import load_run, plot_curves, summarize_run

pytestmark = pytest.mark.unit


def _write_run(work_dir, losses, accuracies, timestamp='20260101_000000'):
    """A work dir as mmengine leaves it: <timestamp>/vis_data/scalars.json
    with training records every 10 iterations and one validation record
    per epoch."""
    vis_data = work_dir / timestamp / 'vis_data'
    vis_data.mkdir(parents=True)
    records = []
    for i, loss in enumerate(losses):
        records.append(
            dict(
                loss=loss,
                lr=0.1,
                epoch=i // 2 + 1,
                iter=10 * (i + 1),
                step=10 * (i + 1)))
        if i % 2 == 1:
            records.append({
                'accuracy/top1': accuracies[i // 2],
                'step': i // 2 + 1
            })
    (vis_data /
     'scalars.json').write_text('\n'.join(json.dumps(r)
                                          for r in records) + '\n')
    return work_dir


def test_load_run_splits_training_and_validation(tmp_path):
    run = _write_run(tmp_path / 'ours', [2.3, 2.0, 1.8, 1.5], [30.0, 45.5])
    log = load_run(str(run))
    assert [r['loss'] for r in log.train] == [2.3, 2.0, 1.8, 1.5]
    assert log.metric('accuracy/top1') == [(1, 30.0), (2, 45.5)]
    assert log.last_metric('accuracy/top1') == 45.5
    assert log.last_metric('accuracy/top5') is None
    # The newest of several runs in one work dir is read.
    _write_run(run, [9.0, 9.0], [1.0], timestamp='20260102_000000')
    assert load_run(str(run)).last_metric('accuracy/top1') == 1.0


def test_plot_curves_writes_one_png(tmp_path):
    ours = _write_run(tmp_path / 'ours', [2.3, 2.0, 1.8, 1.5], [30.0, 45.5])
    baseline = _write_run(tmp_path / 'base', [2.3, 2.1, 2.0, 1.9],
                          [25.0, 35.0])
    out = plot_curves([str(ours), str(baseline)],
                      str(tmp_path / 'out' / 'curves.png'),
                      labels=['ConvNeXt-LSTM-T', 'ConvNeXt-T/512'],
                      title='demo')
    # 10 x 4 inches at 100 dpi.
    assert imread(out).shape[:2] == (400, 1000)


def test_plot_curves_errors(tmp_path):
    with pytest.raises(FileNotFoundError, match='scalars.json'):
        plot_curves([str(tmp_path / 'no_run')], str(tmp_path / 'c.png'))
    run = _write_run(tmp_path / 'ours', [2.3, 2.0], [30.0])
    with pytest.raises(ValueError, match='one label per run'):
        plot_curves([str(run)], str(tmp_path / 'c.png'), labels=['a', 'b'])
    with pytest.raises(ValueError, match='at least one run'):
        plot_curves([], str(tmp_path / 'c.png'))
    broken = tmp_path / 'broken.json'
    broken.write_text('{"loss": 1}\nnot json\n')
    with pytest.raises(ValueError, match='line 2'):
        load_run(str(broken))
    assert not (tmp_path / 'c.png').exists()


def test_summarize_run(tmp_path):
    run = _write_run(tmp_path / 'ours', [2.3, 2.0], [30.0])
    with pytest.raises(FileNotFoundError, match='no checkpoint'):
        summarize_run(str(run))
    (run / 'epoch_1.pth').write_bytes(b'')
    (run / 'last_checkpoint').write_text(str(run / 'epoch_1.pth'))
    summary = summarize_run(str(run))
    assert 'accuracy/top1: 30.00 %' in summary
    assert str(run / 'epoch_1.pth') in summary
