# Copyright (c) mmconvnext_lstm contributors. All rights reserved.
"""The GPU acceptance's own logic (tools/gpu): step time limits, the
report, and the helpers that size and read its runs. The acceptance itself
runs in tools/gpu/simulate.sh (minutes), not here."""
import importlib
import json
import os
import os.path as osp
import time

import pytest
from helpers import REPO_ROOT
from mmengine.config import Config

pytestmark = pytest.mark.unit

# tools/gpu holds scripts, not a package: import them as the scripts do
# (tests/conftest.py puts their folder on sys.path).
acceptance = importlib.import_module('acceptance')
step_runner = importlib.import_module('step_runner')
check_env = importlib.import_module('check_env')


@pytest.fixture
def runner(tmp_path):
    reports = []
    run = step_runner.Runner(
        step_runner.Deadline(60, reserve=0),
        str(tmp_path / 'log.txt'),
        lambda steps: reports.append([s.status for s in steps]),
        min_limit=0.5)
    run.reports = reports
    return run


def _alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie waits only to be reaped: it no longer runs.
    with open(f'/proc/{pid}/stat') as f:
        return f.read().split(')')[-1].split()[0] != 'Z'


def test_a_step_past_its_limit_is_killed_whole_and_the_next_runs(
        runner, tmp_path):
    pid_file = tmp_path / 'child.pid'

    def slow(step):
        # A child in the background, as data-loader workers or torchrun's.
        runner.run(['sh', '-c', f'sleep 30 & echo $! > {pid_file}; wait'])

    started = time.monotonic()
    slow_step = runner.step('slow', 'hangs', 1, slow)
    assert time.monotonic() - started < 10
    assert slow_step.status == 'timeout'
    assert 'limit of 1 s' in slow_step.summary
    child = int(pid_file.read_text())
    for _ in range(50):
        if not _alive(child):
            break
        time.sleep(0.1)
    assert not _alive(child)

    fast = runner.step(
        'fast', 'runs', 30, lambda step: step.results.update(
            out=runner.check(['echo', 'hello'], 'echo').stdout))
    assert fast.status == 'passed'
    assert fast.results['out'] == 'hello\n'
    assert fast.commands == ['echo hello']
    # The report is rewritten after every step.
    assert runner.reports == [['timeout'], ['timeout', 'passed']]
    log = (tmp_path / 'log.txt').read_text()
    assert '=== slow: timeout' in log and 'hello' in log


def test_failures_end_only_their_step(runner):

    def fails(step):
        runner.check(['sh', '-c', 'echo the reason; exit 3'], 'the tool')

    def breaks(step):
        raise KeyError('x')

    failed = runner.step('fails', 'exits 3', 30, fails)
    broken = runner.step('breaks', 'has a bug', 30, breaks)
    assert (failed.status,
            failed.summary) == ('failed', 'the tool exited with 3: the reason')
    assert (broken.status, broken.summary) == ('failed', "KeyError: 'x'")


def test_steps_shrink_to_the_deadline_and_skip_when_it_has_passed(tmp_path):
    runner = step_runner.Runner(
        step_runner.Deadline(2, reserve=0),
        str(tmp_path / 'log'),
        lambda steps: None,
        min_limit=1)
    first = runner.step('first', 'asks for more than is left', 100,
                        lambda step: None)
    assert first.status == 'passed' and first.limit <= 2
    time.sleep(1.2)
    late = runner.step('late', 'comes too late', 100, lambda step: None)
    assert late.status == 'skipped'
    assert 'too little to start' in late.summary


def test_write_report(tmp_path, runner):

    def fails(step):
        raise step_runner.StepFailed('broken')

    runner.step('good', 'works', 30, lambda step: None)
    runner.step('bad', 'fails', 30, fails)
    targets = [
        step_runner.Target('fast enough', '2.0x', True),
        step_runner.Target('small enough', '9 GB', False),
        step_runner.Target('on a GPU', note='no GPU here')
    ]
    meta = dict(
        date='2026-11-28 18:00 UTC',
        mode='tiny',
        machine='CPU only (2 CPUs)',
        software='torch 2.11.0',
        seconds=12.0)
    step_runner.write_report(str(tmp_path), meta, runner.steps, targets)
    assert sorted(
        os.listdir(tmp_path)) == ['log.txt', 'report.json', 'report.md']
    report = json.loads((tmp_path / 'report.json').read_text())
    assert report['status'] == 'failed'
    assert [(s['name'], s['status'])
            for s in report['steps']] == [('good', 'passed'),
                                          ('bad', 'failed')]
    assert report['targets'][1] == dict(
        name='small enough', value='9 GB', met=False, note='')
    markdown = (tmp_path / 'report.md').read_text()
    assert markdown.startswith('# GPU acceptance: failed')
    assert '| fast enough | 2.0x | met |' in markdown
    assert '| small enough | 9 GB | NOT met |' in markdown
    assert '| on a GPU | - | not measured | no GPU here |' in markdown
    assert '| bad: fails | failed |' in markdown and 'broken' in markdown


# The paper's AdamW recipe: 20 warm-up epochs of 200, then cosine.
SCHEDULE = Config.fromfile(
    osp.join(REPO_ROOT, 'configs', '_base_', 'schedules',
             'adamw_convnext.py')).param_scheduler


@pytest.mark.parametrize(
    'epochs, warmup_end, cosine_begin',
    [
        (200, 20, 20),
        (20, 2, 2),
        (8, 1, 1),
        (1, 1, None),  # no room for the cosine phase: warm-up only
    ])
def test_compress_schedule(epochs, warmup_end, cosine_begin):
    compressed = acceptance.compress_schedule(SCHEDULE, 200, epochs)
    assert compressed[0]['end'] == warmup_end
    assert compressed[0]['start_factor'] == 1e-3
    if cosine_begin is None:
        assert len(compressed) == 1
    else:
        assert compressed[1]['begin'] == cosine_begin
        assert 'end' not in compressed[1]  # mmengine ends it at max_epochs
    assert SCHEDULE[0]['end'] == 20  # the recipe itself is left alone


def test_epochs_for():
    # 100 s with 20 s of start-up, 10 s epochs and 10 % margin: 7 epochs.
    assert acceptance.epochs_for(100, 10, 20) == 7
    assert acceptance.epochs_for(10, 10, 20) == 1


@pytest.mark.parametrize('count, total', [(32, 10000), (25600, 50000)])
def test_spread_takes_every_class(count, total):
    indices = acceptance.spread(count, total)
    assert len(set(indices)) == count
    # The class folders hold total / 10 images each, in class order.
    per_class = [0] * 10
    for index in indices:
        per_class[index * 10 // total] += 1
    assert max(per_class) - min(per_class) <= 1


LOG = """\
11/28 17:50:01 - mmengine - INFO - Epoch(train) [1][ 10/200]  lr: 1.0e-01  eta: 0:00:30  time: 0.2500  data_time: 0.1000  memory: 900  loss: 2.3
11/28 17:50:02 - mmengine - INFO - Epoch(train) [1][ 20/200]  lr: 1.0e-01  eta: 0:00:20  time: 0.0300  data_time: 0.0010  memory: 900  loss: 2.2
11/28 17:50:03 - mmengine - INFO - Epoch(train) [1][ 30/200]  lr: 1.0e-01  eta: 0:00:10  time: 0.0320  data_time: 0.0020  memory: 900  loss: 2.1
11/28 17:50:08 - mmengine - INFO - Epoch(val) [1][10/79]    eta: 0:00:01  time: 0.0400  data_time: 0.0300  memory: 300
11/28 17:50:09 - mmengine - INFO - Epoch(val) [1][79/79]    accuracy/top1: 21.5000  data_time: 0.0100  time: 0.0200
11/28 17:50:19 - mmengine - INFO - Epoch(val) [2][79/79]    accuracy/top1: 30.2500  data_time: 0.0100  time: 0.0200
"""  # noqa: E501


def test_log_parsing():
    # The first interval (warm-up) is left out; val lines are not training.
    assert acceptance.logged_times(LOG) == ([0.03, 0.032], [0.001, 0.002])
    assert acceptance.last_top1(LOG) == 30.25
    assert acceptance.last_top1('no accuracy here') is None


class FakeMetadata:
    """importlib.metadata over a table of distributions."""
    PackageNotFoundError = KeyError

    def __init__(self):
        self.distributions = {
            # name: (requirements, version)
            'plugin': ([
                'stack>=2', 'opencv-python>=3', 'docs-tool; extra == "docs"',
                'winonly; sys_platform == "win32"'
            ], '1.0'),
            'stack': (['helper'], '1.5'),
            'opencv-python-headless': ([], '5.0'),
        }

    def requires(self, name):
        return self.distributions[name][0]

    def version(self, name):
        return self.distributions[name][1]


def test_unmet_requirements(monkeypatch):
    fake = FakeMetadata()
    monkeypatch.setattr(check_env, 'metadata', fake)
    # opencv-python is met by opencv-python-headless; extras and other
    # platforms' requirements are not needed; 'stack' is too old, so its
    # own requirements are not followed.
    assert check_env.unmet_requirements(
        ['plugin']) == ['plugin needs stack>=2: 1.5 installed']
    fake.distributions['stack'] = (['helper'], '2.0')
    assert check_env.unmet_requirements(['plugin', 'absent']) == [
        'absent is not installed', 'stack needs helper: not installed'
    ]
