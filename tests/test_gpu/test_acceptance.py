# Copyright (c) mmconvnext_lstm contributors. All rights reserved.
"""The GPU acceptance's own logic (tools/gpu): step time limits and the
stopping of what a command leaves running, the report, the budget, and the
helpers that size, configure and read its runs. The acceptance itself runs
in tools/gpu/simulate.sh (minutes), not here."""
import importlib
import json
import os
import os.path as osp
import shutil
import sys
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
        min_limit=0.5,
        grace=0.5)
    run.reports = reports
    return run


def _alive(pid):
    try:
        with open(f'/proc/{pid}/stat') as f:
            # A zombie waits only to be reaped: it no longer runs.
            return f.read().rpartition(')')[2].split()[0] != 'Z'
    except FileNotFoundError:
        return False


def _ends(pid, seconds=5):
    """Whether ``pid`` has stopped running within ``seconds``."""
    end = time.monotonic() + seconds
    while _alive(pid) and time.monotonic() < end:
        time.sleep(0.05)
    return not _alive(pid)


HANG = osp.join(REPO_ROOT, 'tools', 'gpu', 'hang.py')


def test_a_child_in_its_own_session_that_ignores_sigterm_is_killed(runner):
    """What --inject-hang runs: the step ends at its limit and the grace
    after it, although the child keeps the output file open, and no process
    of it is left."""
    started = time.monotonic()
    step = runner.step('hung', 'hangs', 1,
                       lambda step: runner.run([sys.executable, HANG]))
    assert time.monotonic() - started < 6
    assert step.status == 'timeout'
    assert 'limit of 1 s' in step.summary and 'hang.py' in step.summary
    log = open(runner.log_path).read()
    child = int(log.split('hang.py: child ')[1].split()[0])
    assert _ends(child)
    assert '(stopped at its limit of 1 s)' in log


def test_an_orphan_in_its_own_session_is_found_by_its_tag(runner, tmp_path):
    """The shell exits on SIGTERM, so its child, in a session of its own and
    ignoring SIGTERM, is no one's descendant any more: its environment
    still names the command."""
    pid_file = tmp_path / 'orphan.pid'
    script = (f'setsid sh -c \'trap "" TERM; sleep 300\' & echo $! > '
              f'{pid_file}; wait')
    step = runner.step('orphaned', 'leaves an orphan', 1,
                       lambda step: runner.run(['sh', '-c', script]))
    assert step.status == 'timeout'
    assert _ends(int(pid_file.read_text()))


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
    assert _ends(int(pid_file.read_text()))

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


def test_what_a_command_leaves_running_is_stopped(runner, tmp_path):
    pid_file = tmp_path / 'daemon.pid'
    runner.step(
        'daemon', 'leaves a daemon', 30, lambda step: runner.run(
            ['sh', '-c', f'setsid sleep 300 & echo $! > {pid_file}']))
    assert runner.steps[-1].status == 'passed'
    assert _ends(int(pid_file.read_text()))
    assert '(stopped 1 process(es) it left running)' in open(
        runner.log_path).read()


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
    assert 'skipped for budget' in late.summary
    # A skipped step is reported, not a failure.
    assert step_runner.overall_status(runner.steps) == 'passed'


def test_the_budget_counts_from_when_the_call_started():
    deadline = step_runner.Deadline(100, reserve=5, started=time.time() - 30)
    assert 64 < deadline.left() <= 65
    assert 30 <= deadline.elapsed() < 31


@pytest.mark.parametrize('statuses, overall', [
    (['passed', 'skipped'], 'passed'),
    (['passed', 'timeout', 'passed'], 'failed'),
    (['passed', 'failed'], 'failed'),
    (['skipped'], 'failed'),
])
def test_overall_status(statuses, overall):
    steps = [step_runner.Step(str(i), '', s) for i, s in enumerate(statuses)]
    assert step_runner.overall_status(steps) == overall


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
        budget=300.,
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
    assert '12 s of a 300 s budget' in markdown
    assert 'Steps: 1 passed, 1 failed.' in markdown
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
    assert acceptance.epochs_for(30, 10, 20) == 0


@pytest.fixture
def full_run(tmp_path, monkeypatch):
    """The GPU profile's Acceptance, 100 s of its budget left."""
    # It puts its interpreter first on PATH: undone after the test.
    monkeypatch.setenv('PATH', os.environ['PATH'])
    monkeypatch.setenv('PYTHON', sys.executable)
    run = acceptance.Acceptance(
        acceptance.parse_args([str(tmp_path / 'out'), '--data', 'none']))
    monkeypatch.setattr(run.runner.deadline, 'left', lambda: 100.)
    yield run
    for folder in (run.work, run.data_dir):
        shutil.rmtree(folder)


def _passed_train_step(run, seconds):
    train = step_runner.Step('train', '', 'passed', seconds=seconds)
    run.runner.steps.append(train)


def test_fit_epochs_from_the_logged_iteration_time(full_run):
    _passed_train_step(full_run, 5.)
    full_run.train_log = LOG
    # 50 iterations of 0.031 s (median) in a 5 s step: 3.45 s of overhead;
    # 391 iterations an epoch, 50 s of the 100 s left, 10 % margin.
    assert full_run._fit_epochs(0.5) == 3


def test_fit_epochs_falls_back_to_the_train_steps_wall_time(full_run):
    """Too few iterations for a log line: the step's wall time per
    iteration (0.1 s here, start-up included) sizes the schedule."""
    _passed_train_step(full_run, 5.)
    full_run.train_log = 'no iteration was logged'
    assert full_run._fit_epochs(0.5) == 1  # 391 x 0.1 s x 1.1 in 50 s
    assert full_run._fit_epochs(0.1) == 0  # 10 s: not one epoch


def test_fit_epochs_skips_without_a_passed_train_step(full_run):
    with pytest.raises(step_runner.StepSkipped, match='train step'):
        full_run._fit_epochs(0.5)


def test_subsets_are_annotation_files(full_run):
    full_run.data_root = '/data/cifar10-jpg'
    full_run.classes = ['cat', 'dog']
    full_run.samples = {
        split: [(f'{c}/{i}.jpg', label)
                for label, c in enumerate(full_run.classes) for i in range(n)]
        for split, n in (('train', 50), ('test', 10))
    }
    full_run.workers = 0
    cfg = Config.fromfile(full_run.write_config('sub', 4, None, 1))
    train = cfg.train_dataloader
    assert (train.num_workers, train.persistent_workers) == (0, False)
    assert 'indices' not in train.dataset
    with open(train.dataset.ann_file) as f:
        assert f.read().splitlines() == [
            'cat/0.jpg 0', 'cat/25.jpg 0', 'dog/0.jpg 1', 'dog/25.jpg 1'
        ]
    assert train.dataset.metainfo == dict(classes=['cat', 'dog'])
    # None: the whole split, read from its folders.
    assert 'ann_file' not in cfg.val_dataloader.dataset


def test_images_go_to_shared_memory_where_it_has_room(tmp_path):
    in_shm = acceptance.data_folder(str(tmp_path), needed=1)
    assert osp.dirname(in_shm) == str(tmp_path)
    free = os.statvfs(tmp_path).f_bavail * os.statvfs(tmp_path).f_frsize
    elsewhere = acceptance.data_folder(str(tmp_path), needed=2 * free)
    assert osp.dirname(elsewhere) != str(tmp_path)
    os.rmdir(elsewhere)


def test_loader_workers_fit_into_shared_memory(tmp_path, monkeypatch):
    assert acceptance.loader_workers(4, 1024, str(tmp_path))[0] == 4
    reserve = os.posix_fallocate

    def small_shm(fd, offset, length):
        if length > 2048:  # a tmpfs of 2 KiB
            raise OSError(28, 'No space left on device')
        reserve(fd, offset, length)

    monkeypatch.setattr(os, 'posix_fallocate', small_shm)
    workers, found = acceptance.loader_workers(5, 1024, str(tmp_path))
    assert workers == 2 and '2 loader workers (of 5 wanted)' in found
    assert acceptance.loader_workers(5, 4096, str(tmp_path))[0] == 0
    assert os.listdir(tmp_path) == []  # the probe leaves nothing behind
    workers, found = acceptance.loader_workers(4, 1024,
                                               str(tmp_path / 'absent'))
    assert workers == 0 and 'not usable' in found


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
    # platforms' requirements are not needed; only direct requirements are
    # checked, so stack's missing helper is not plugin's problem.
    assert check_env.unmet_requirements(
        ['plugin']) == ['plugin needs stack>=2: 1.5 installed']
    fake.distributions['stack'] = (['helper'], '2.0')
    assert check_env.unmet_requirements(['plugin', 'absent'
                                         ]) == ['absent is not installed']
    assert check_env.unmet_requirements(
        ['stack']) == ['stack needs helper: not installed']
