# Copyright (c) mmconvnext_lstm contributors. All rights reserved.
"""The GPU acceptance (docs/gpu.md): every check of the GPU path in one run
within a budget (300 s on one H100/H200, its install included), each step
with its own time limit, results in OUT_DIR/report.{md,json} as each step
ends and every command's output in OUT_DIR/acceptance.log.

    python tools/gpu/acceptance.py OUT_DIR --data cifar10-jpg.tar.gz [--tiny]

Usually run through tools/gpu/run_acceptance.sh, which installs the carried
wheels first. ``--tiny`` runs the same steps at tiny sizes (on the CPU when
there is no GPU: the simulation of tools/gpu/simulate.sh).

The steps come in the order of what only a GPU can tell: the environment
and a bf16 LSTM probe; (a) the CUDA cases of the model tests; (c) bf16
autocast logits against fp32, the benchmark at 224 px batch 64 against
ConvNeXt-T, the New Block's conv implementations; (b) tools/train.py with
--amp, tools/test.py on its checkpoint, --resume, tools/dist_train.sh with
one process; (d) a first accuracy of ours and ConvNeXt-T/512 with the
paper's AdamW recipe compressed to the budget left. Exit code 0 if no step
failed or timed out (one skipped for budget is reported as such); the
targets are judged in the report.
"""
import argparse
import json
import math
import os
import os.path as osp
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Dict, List, Optional, Tuple

from step_runner import (FAILED, PASSED, SKIPPED, TIMEOUT, Deadline, Runner,
                         Step, StepFailed, StepSkipped, Target, overall_status,
                         write_report)

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
PYTHON = sys.executable

# The recipes the steps use: ours on the CIFAR-10 JPEG copy (SGD), the
# paper's AdamW recipe for ours, mmpretrain's ConvNeXt-T and ConvNeXt-T/512
# (the ablation's baseline) on CIFAR-10.
OURS = 'configs/convnext_lstm/convnext-lstm-tiny_1xb128_cifar10-jpg.py'
OURS_ADAMW = 'configs/convnext_lstm/convnext-lstm-tiny_1xb128-adamw_cifar10.py'
CONVNEXT_T = 'configs/convnext_baseline/convnext-tiny_1xb128_cifar10.py'
CONVNEXT_T512 = 'configs/convnext_baseline/convnext-tiny-512_1xb128_cifar10.py'
CONV_IMPLS = ('auto', 'channel_multiplier', 'grouped')
# The model tests that need a GPU: the cases parametrised over
# tests/helpers.py DEVICES (ids "cuda") and the cuDNN warning test.
CUDA_TESTS = 'cuda or cudnn_warning'
BENCHMARK = 'tools/analysis_tools/benchmark.py'

# Targets on the GPU (issue 9).
MIN_TRAIN_SPEEDUP = 1.8  # ours' training images/s over ConvNeXt-T's
MAX_TRAIN_MEMORY = 8.46e9  # the paper's 8.46 GB at batch 64, as bytes
AMP_TOLERANCE = 0.05  # relative max abs error of bf16-autocast logits
AUTO_MIN_SHARE = 0.95  # conv_impl='auto' against the faster of the others
# cuDNN's warning when an LSTM's weights are not one flat buffer (DDP).
LSTM_WEIGHTS_WARNING = 'not part of single contiguous chunk of memory'
# DDP's warning when parameters' gradients have other strides than its
# buckets (e.g. channels-last conv weights): a copy per step, not an error.
GRAD_STRIDES_WARNING = 'Grad strides do not match bucket view strides'

# One process over the loopback: NCCL on the loopback interface only, no
# InfiniBand, and a process group that gives up after DIST_TIMEOUT seconds
# rather than NCCL's default of 10 minutes. The launcher's rendezvous is
# static on 127.0.0.1 (dist_train.sh), but its agent still looks up the
# host's full name when the run ends (socket.getfqdn): one try of one
# second per name server, where a silent one would hold it for many.
DIST_ENV = dict(
    NCCL_SOCKET_IFNAME='lo',
    NCCL_IB_DISABLE='1',
    RES_OPTIONS='timeout:1 attempts:1')
DIST_TIMEOUT = 30

TOP1 = re.compile(r'accuracy/top1: ([0-9.]+)')
# mmengine's training log lines: "Epoch(train) [1][ 10/391] ... time: 0.0312
# data_time: 0.0011 ..." (validation lines have times too).
ITER_TIMES = re.compile(
    r'Epoch\(train\).*?\btime: ([0-9.]+)\s+data_time: ([0-9.]+)')
RESUMED = re.compile(r'resumed epoch: (\d+), iter: (\d+)')


@dataclass
class Profile:
    """Sizes and time limits of one kind of run.

    Args:
        budget (float): Default seconds for the whole call (``--budget``).
        limits (dict): Each step's time limit in seconds.
        train_images (int): Training images of step (b)'s runs.
        dist_images (int): Training images of the dist_train.sh run.
        test_images (int, optional): Test images of step (b); None: all.
        batch (int, optional): Batch size of step (b) and (d); None: the
            recipe's (128).
        bench_shape (str): SIZE:BATCH of the benchmark.
        bench_args (list): Modes, repetitions etc. of the benchmark.
        conv_impl_args (list): The same for the conv_impl comparison
            (training only: what its target judges).
        amp_shape (str): SIZE:BATCH of the autocast check.
        accuracy_epochs (int, optional): Fixed epochs of the accuracy runs
            instead of as many as the budget left holds. Defaults to None.
        accuracy_images (tuple): (train, test) images of the accuracy runs,
            None for all. Defaults to (None, None).
    """
    budget: float
    limits: Dict[str, float]
    train_images: int
    dist_images: int
    test_images: Optional[int]
    batch: Optional[int]
    bench_shape: str
    bench_args: List[str]
    amp_shape: str
    accuracy_epochs: Optional[int] = None
    accuracy_images: tuple = (None, None)
    conv_impl_args: List[str] = field(default_factory=list)


# One H100/H200, 16 cores: 300 s for the call, its install included, so
# that a second call fits into the machine's time. The limits are ceilings
# for a stuck step; together they exceed the budget, whose end cuts the
# last steps short (the accuracy runs get what is left).
GPU = Profile(
    budget=300,
    limits=dict(
        environment=40,
        lstm_probe=30,
        model_tests=60,
        amp_check=40,
        benchmark=60,
        conv_impl=50,
        data=30,
        train=50,
        test=30,
        resume=50,
        dist_train=50,
        accuracy=math.inf),  # as much as the budget left holds
    train_images=50 * 128,
    dist_images=50 * 128,
    test_images=None,
    batch=None,
    bench_shape='224:64',
    bench_args=[
        '--modes', 'train', 'infer', '--warmup', '5', '--iters', '10',
        '--reps', '3'
    ],
    conv_impl_args=[
        '--modes', 'train', '--warmup', '3', '--iters', '5', '--reps', '2'
    ],
    amp_shape='224:16')
# The simulation on 2 shared CPU cores: the same steps at tiny sizes, the
# limits about twice what they took there under a load of 8.
TINY = Profile(
    budget=1800,
    limits=dict(
        environment=90,
        lstm_probe=60,
        model_tests=180,
        amp_check=120,
        benchmark=240,
        conv_impl=240,
        data=90,
        train=180,
        test=120,
        resume=180,
        dist_train=180,
        accuracy=360),
    train_images=64,
    dist_images=32,
    test_images=32,
    batch=16,
    bench_shape='32:4',
    bench_args=[
        '--modes', 'train', 'infer', '--warmup', '1', '--iters', '1', '--reps',
        '2', '--matmul-size', '256'
    ],
    conv_impl_args=[
        '--modes', 'train', '--warmup', '1', '--iters', '1', '--reps', '2',
        '--matmul-size', '256'
    ],
    amp_shape='32:2',
    accuracy_epochs=1,
    accuracy_images=(128, 64))
# The steps in the order they run.
STEPS = ('environment', 'lstm_probe', 'model_tests', 'amp_check', 'benchmark',
         'conv_impl', 'data', 'train', 'test', 'resume', 'dist_train',
         'accuracy_ours', 'accuracy_convnext-t512')


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description='The GPU acceptance: CUDA tests, the training tools with '
        'AMP and DDP, the benchmark and a first accuracy, in one run.')
    parser.add_argument(
        'out_dir',
        help='where report.md, report.json and '
        'acceptance.log are written')
    parser.add_argument(
        '--data',
        required=True,
        help='the CIFAR-10 JPEG archive (cifar10-jpg.tar.gz)')
    parser.add_argument(
        '--tiny',
        action='store_true',
        help='tiny sizes and iterations (the CPU simulation)')
    parser.add_argument(
        '--budget',
        type=float,
        help='seconds for the whole call, counted from --started (default: '
        f'{GPU.budget:.0f}, with --tiny {TINY.budget:.0f})')
    parser.add_argument(
        '--started',
        type=float,
        help='when the call began, in seconds since the epoch, if before '
        'this program (run_acceptance.sh passes the time before its '
        'install); default: now')
    parser.add_argument(
        '--inject-hang',
        choices=STEPS,
        metavar='STEP',
        help='make STEP run tools/gpu/hang.py (a child in a session of its '
        'own that ignores SIGTERM) instead of its work, to test that the '
        'run survives it; one of: ' + ', '.join(STEPS))
    parser.add_argument(
        '--keep-work-dir',
        action='store_true',
        help='keep the temporary folders of data, configs and checkpoints')
    return parser.parse_args(argv)


def logged_times(log: str) -> Tuple[List[float], List[float]]:
    """Seconds per training iteration in an mmengine log and the part of
    them spent waiting for data, one of each per logged interval, the first
    (warm-up) interval left out."""
    pairs = [(float(t), float(d)) for t, d in ITER_TIMES.findall(log)]
    pairs = pairs[1:] if len(pairs) > 1 else pairs
    return [t for t, _ in pairs], [d for _, d in pairs]


def last_top1(log: str) -> Optional[float]:
    """The last top-1 accuracy (%) an mmengine log reports."""
    found = TOP1.findall(log)
    return float(found[-1]) if found else None


def compress_schedule(schedulers: List[dict], epochs: int,
                      new_epochs: int) -> List[dict]:
    """Scale the epoch boundaries of by-epoch parameter schedulers from a
    schedule of ``epochs`` to one of ``new_epochs``, keeping their order.

    Each ``begin``/``end`` is scaled and rounded to whole epochs; a phase
    keeps at least one epoch (so the warm-up survives a short schedule),
    and one that would begin at the end is dropped.
    """
    scale = new_epochs / epochs
    compressed = []
    for scheduler in schedulers:
        scheduler = dict(scheduler)
        for key in ('begin', 'end'):
            if key in scheduler:
                scheduler[key] = min(new_epochs,
                                     max(1, round(scheduler[key] * scale)))
        if scheduler.get('begin', 0) >= new_epochs:
            continue
        if scheduler.get('end', new_epochs) <= scheduler.get('begin', 0):
            scheduler['end'] = scheduler['begin'] + 1
        compressed.append(scheduler)
    return compressed


def epochs_for(seconds: float, epoch_seconds: float, overhead: float) -> int:
    """How many epochs of ``epoch_seconds`` fit in ``seconds`` after a
    fixed ``overhead`` (start-up, final test), 10 % kept as margin; 0 if
    not even one does."""
    return max(0, math.floor((seconds - overhead) / (1.1 * epoch_seconds)))


def spread(count: int, total: int) -> List[int]:
    """``count`` distinct indices spread evenly over ``range(total)``."""
    return [i * total // count for i in range(count)]


def loader_workers(wanted: int,
                   bytes_per_worker: int,
                   shm: str = '/dev/shm') -> Tuple[int, str]:
    """How many data-loader workers the shared memory at ``shm`` holds.

    Workers hand their batches over through shared memory (``/dev/shm``),
    which containers often keep small. ``bytes_per_worker`` are reserved
    there (``posix_fallocate``: a full tmpfs answers with an error, where
    writing to it would kill the process with SIGBUS) for ``wanted``
    workers, then for half as many, down to none.

    Returns:
        tuple[int, str]: The workers, and what the probe found.
    """
    try:
        stat = os.statvfs(shm)
    except OSError as error:
        return 0, f'{shm} is not usable ({error.strerror}): no workers'
    free = stat.f_bavail * stat.f_frsize
    workers = wanted
    while workers > 0:
        try:
            fd, path = tempfile.mkstemp(prefix='mmconvnext_lstm-', dir=shm)
        except OSError as error:
            return 0, f'{shm} is not writable ({error.strerror}): no workers'
        try:
            os.posix_fallocate(fd, 0, workers * bytes_per_worker)
            break
        except OSError:
            workers //= 2
        finally:
            os.close(fd)
            os.remove(path)
    found = f'{shm}: {free / 2**20:.0f} MiB free, {workers} loader workers'
    return workers, found + ('' if workers == wanted else
                             f' (of {wanted} wanted)')


def data_folder(shm: str = '/dev/shm', needed: int = 2**30) -> str:
    """A temporary folder for the extracted images: in shared memory where
    it has ``needed`` bytes free, else in the system's temporary folder.
    60,000 files in memory are written and deleted in seconds; on a disk
    that discards freed blocks, deleting them alone took minutes."""
    try:
        stat = os.statvfs(shm)
        room = stat.f_bavail * stat.f_frsize >= needed and os.access(
            shm, os.W_OK)
    except OSError:
        room = False
    return tempfile.mkdtemp(
        prefix='mmconvnext_lstm-data-', dir=shm if room else None)


def write_annotation(path: str, samples: List[Tuple[str, int]]) -> str:
    """Write mmpretrain's annotation file: one ``FILE LABEL`` line each."""
    with open(path, 'w') as f:
        f.writelines(f'{name} {label}\n' for name, label in samples)
    return path


def _format(value: Optional[float], spec: str) -> str:
    return '-' if value is None else format(value, spec)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


class Acceptance:
    """The steps, the state they pass on, and the report.

    Args:
        args (argparse.Namespace): The parsed command line.
    """

    def __init__(self, args):
        self.args = args
        # Every tool runs with this interpreter: launch scripts read
        # $PYTHON, anything else finds it first on PATH.
        os.environ['PYTHON'] = PYTHON
        os.environ['PATH'] = os.pathsep.join(
            [osp.dirname(PYTHON),
             os.environ.get('PATH', '')])
        self.profile = TINY if args.tiny else GPU
        self.out_dir = osp.abspath(args.out_dir)
        os.makedirs(self.out_dir, exist_ok=True)
        self.work = tempfile.mkdtemp(prefix='mmconvnext_lstm-acceptance-')
        self.data_dir = data_folder()
        self.date = datetime.now(timezone.utc).strftime('%Y-%m-%d %H:%M UTC')
        self.env: dict = {}
        self.targets: Dict[str, Target] = {
            key: Target(name)
            for key, name in (
                ('cuda_tests', 'no failing CUDA test'),
                ('speedup', f'training images/s >= {MIN_TRAIN_SPEEDUP}x '
                 'ConvNeXt-T at 224 px, batch 64 (bf16, channels-last)'),
                ('memory', 'peak training memory at batch 64 < '
                 f'{MAX_TRAIN_MEMORY / 1e9:.2f} GB'),
                ('amp', 'bf16-autocast logits within '
                 f'{AMP_TOLERANCE:.0%} of fp32 (max abs error over the '
                 'largest logit)'),
                ('lstm_warning', 'no cuDNN warning about non-contiguous '
                 'LSTM weights under DDP'),
                ('conv_impl', 'conv_impl=\'auto\' trains at >= '
                 f'{AUTO_MIN_SHARE:.0%} of the faster implementation'),
            )
        }
        self.log_path = osp.join(self.out_dir, 'acceptance.log')
        open(self.log_path, 'w').close()
        self.budget = args.budget or self.profile.budget
        self.runner = Runner(
            Deadline(self.budget, started=args.started), self.log_path,
            self.report)
        self.neck_autocast = None
        self.data_root = None
        self.samples: Dict[str, List[Tuple[str, int]]] = {}
        self.classes: List[str] = []
        self.workers = 0
        self.train_config = None
        self.train_work_dir = osp.join(self.work, 'train')
        self.train_log = ''
        self.accuracy_epochs = None

    # ----------------------------------------------------------- helpers
    @property
    def cuda(self) -> bool:
        return bool(self.env.get('cuda_available'))

    @property
    def device(self) -> str:
        return 'cuda' if self.cuda else 'cpu'

    @property
    def autocast(self) -> bool:
        """Whether the benchmarks run under bf16 autocast: always on a GPU;
        on a CPU where the LSTM probe found that the neck trains so (oneDNN
        has no bf16 LSTM without AVX-512 BF16 or AMX)."""
        return self.cuda or bool(self.neck_autocast)

    @property
    def batch(self) -> int:
        # The recipes' batch (128) unless the profile sets one.
        return self.profile.batch or 128

    def write_config(self,
                     name: str,
                     train_images: Optional[int],
                     test_images: Optional[int],
                     epochs: int,
                     model: Optional[str] = None,
                     schedule: Optional[str] = None) -> str:
        """Write ``<work>/<name>.py``: the recipe ``OURS`` reading the
        extracted copy with the loader workers the data step found, on
        evenly spread subsets (annotation files beside the config), for
        ``epochs``.

        Args:
            model (str, optional): A recipe whose model replaces ours.
            schedule (str, optional): A recipe whose optimizer and
                schedulers replace ours, compressed to ``epochs``, with one
                validation at the end.
        """
        from mmengine.config import Config

        def load(path):
            return Config.fromfile(
                osp.join(ROOT, path), import_custom_modules=False)

        cfg = load(OURS)
        if model:
            cfg.model = load(model).model
        if schedule:
            recipe = load(schedule)
            cfg.optim_wrapper = recipe.optim_wrapper
            cfg.param_scheduler = compress_schedule(
                recipe.param_scheduler, recipe.train_cfg.max_epochs, epochs)
            cfg.auto_scale_lr = recipe.auto_scale_lr
            cfg.train_cfg.val_interval = epochs
            cfg.default_hooks.checkpoint.interval = epochs
        cfg.train_cfg.max_epochs = epochs
        cfg.default_hooks.logger.interval = 10
        for loader_name, split, images in (('train', 'train', train_images),
                                           ('val', 'test', test_images),
                                           ('test', 'test', test_images)):
            loader = cfg[f'{loader_name}_dataloader']
            loader.num_workers = self.workers
            # A persistent loader needs workers (torch refuses it without).
            loader.persistent_workers = self.workers > 0
            loader.dataset.data_root = self.data_root
            if images is not None:
                samples = self.samples[split]
                loader.dataset.ann_file = write_annotation(
                    osp.join(self.work, f'{name}_{loader_name}.txt'),
                    [samples[i] for i in spread(images, len(samples))])
                loader.dataset.metainfo = dict(classes=self.classes)
            if self.profile.batch is not None:
                loader.batch_size = self.profile.batch
        path = osp.join(self.work, f'{name}.py')
        cfg.dump(path)
        return path

    def amp_flag(self, step: Step) -> List[str]:
        """``--amp`` on a GPU; on the CPU mmengine refuses it."""
        step.results['amp'] = self.cuda
        if not self.cuda:
            step.results['amp_note'] = ('--amp skipped on CPU (mmengine\'s '
                                        'AmpOptimizerWrapper needs a GPU)')
            return []
        return ['--amp']

    def meta(self) -> dict:
        env = self.env
        machine = (f'{env["device"]} ({env.get("cpus")} CPUs)'
                   if self.cuda else f'CPU only ({env.get("cpus", "?")} CPUs)'
                   ) if env else 'unknown (environment step failed)'
        software = (
            f'Python {env["python"]}, torch {env["torch"]} (CUDA '
            f'{env["torch_cuda"]}, cuDNN {env["cudnn"]}), numpy '
            f'{env["numpy"]}, mmengine {env["mmengine"]}, mmcv '
            f'{env["mmcv"]}, mmpretrain {env["mmpretrain"]}, '
            f'mmconvnext_lstm {env["mmconvnext_lstm"]}') if env else 'unknown'
        return dict(
            date=self.date,
            mode='tiny' if self.args.tiny else 'full',
            machine=machine,
            software=software,
            budget=self.budget,
            seconds=self.runner.deadline.elapsed(),
            environment=env,
            work_dirs=[self.work, self.data_dir]
            if self.args.keep_work_dir else None)

    def report(self, steps: List[Step]) -> None:
        write_report(self.out_dir, self.meta(), steps,
                     list(self.targets.values()))

    def tiny_note(self, target: Target) -> None:
        """Leave a GPU target unjudged on a tiny or CPU-only run."""
        if self.args.tiny or not self.cuda:
            target.met = None
            where = 'tiny run' if self.cuda else 'CPU run'
            target.note = '; '.join(
                filter(None, [f'not judged: {where}', target.note]))

    # ------------------------------------------------------------- steps
    def environment(self, step: Step) -> None:
        result = self.runner.check([PYTHON, 'tools/gpu/check_env.py'],
                                   'the import check',
                                   cwd=ROOT)
        self.env = json.loads(result.stdout.strip().splitlines()[-1])
        step.results.update(self.env)
        if not self.args.tiny and not self.cuda:
            raise StepFailed('no CUDA device: the full run needs a GPU '
                             '(use --tiny on a CPU)')
        if self.env['unmet_requirements']:
            raise StepFailed('unmet requirements: ' +
                             '; '.join(self.env['unmet_requirements']))
        step.summary = (f'{self.env["device"]}, torch {self.env["torch"]}, '
                        f'mmconvnext_lstm from '
                        f'{osp.dirname(self.env["mmconvnext_lstm_path"])}')
        if self.env['requirement_warnings']:
            step.summary += ('; warning, the machine\'s own packages: ' +
                             '; '.join(self.env['requirement_warnings']))

    def lstm_probe(self, step: Step) -> None:
        result = self.runner.check([PYTHON, 'tools/gpu/lstm_probe.py'],
                                   'the LSTM probe',
                                   cwd=ROOT)
        probe = json.loads(result.stdout.strip().splitlines()[-1])
        step.results.update(probe)
        lstm, decision, neck = (probe['lstm'], probe['neck_decision'],
                                probe['neck'])
        where = 'cuDNN' if self.cuda else 'the CPU'
        if 'error' in lstm:
            found = f'bf16 LSTM on {where} fails ({lstm["error"]})'
        else:
            found = (f'bf16 LSTM on {where} runs ({lstm["output_dtype"]} '
                     f'out, {lstm["relative_error"]:.2%} from fp32)')
        if isinstance(decision, dict):
            said = f'the neck\'s lstm_autocast_supported fails ' \
                f'({decision["error"]})'
        elif decision is None:
            said = 'the neck has no lstm_autocast_supported'
        else:
            said = ('the neck runs its LSTMs in bf16' if decision else
                    'the neck runs its LSTMs in fp32 under autocast')
        ran = ('fails: ' + neck['error']
               if 'error' in neck else f'runs ({neck["output_dtype"]} out)')
        step.summary = (f'{found}; {said}; BiLSTM2D training under bf16 '
                        f'autocast {ran}')
        self.neck_autocast = 'error' not in neck
        if not self.cuda:
            # Recorded, not judged: the training tools refuse --amp there;
            # the benchmarks then run without autocast.
            step.summary += '; not judged: CPU run'
        elif ('error' in neck or isinstance(decision, dict)
              or ('error' in lstm and decision)):
            raise StepFailed(step.summary)

    def data(self, step: Step) -> None:
        archive = osp.abspath(self.args.data)
        if not osp.isfile(archive):
            raise StepFailed(f'the CIFAR-10 archive {archive} does not exist '
                             '(make_bundle.sh copies it into the bundle)')
        self.runner.check(['tar', '-xzf', archive, '-C', self.data_dir], 'tar')
        root = osp.join(self.data_dir, 'cifar10-jpg')
        # The class folders, in label order; every image as (path in its
        # split, label), classes in order, files sorted within each.
        self.classes = sorted(os.listdir(osp.join(root, 'train')))
        self.samples = {
            split:
            [(f'{name}/{file}', label)
             for label, name in enumerate(self.classes)
             for file in sorted(os.listdir(osp.join(root, split, name)))]
            for split in ('train', 'test')
        }
        counts = {split: len(self.samples[split]) for split in self.samples}
        if counts != dict(train=50000, test=10000) or len(self.classes) != 10:
            raise StepFailed(f'{archive} holds {counts} images in '
                             f'{len(self.classes)} classes, expected 50,000 '
                             'train and 10,000 test in 10')
        self.data_root = root
        # As many loader processes as the machine has cores, up to 16, if
        # shared memory holds them: 4 batches of float images each.
        wanted = max(1, min(16, len(os.sched_getaffinity(0))))
        self.workers, shm = loader_workers(wanted,
                                           4 * self.batch * 3 * 32 * 32 * 4)
        step.results.update(counts, loader_workers=self.workers, shm=shm)
        step.summary = f'50,000 train and 10,000 test images; {shm}'

    def model_tests(self, step: Step) -> None:
        junit = osp.join(self.work, 'model_tests.xml')
        result = self.runner.run([
            PYTHON, '-m', 'pytest', '-m', 'unit', 'tests/test_models', '-k',
            CUDA_TESTS, '-p', 'no:cacheprovider', '-q', f'--junitxml={junit}'
        ],
                                 cwd=ROOT)
        if result.returncode == 5 or not osp.isfile(junit):
            raise StepFailed('no CUDA model test was collected '
                             '(pytest exit code '
                             f'{result.returncode}): parametrise them over '
                             'tests/helpers.py DEVICES')
        suite = ET.parse(junit).getroot()
        suite = suite if suite.tag == 'testsuite' else suite.find('testsuite')
        counts = {
            key: int(suite.get(key, 0))
            for key in ('tests', 'failures', 'errors', 'skipped')
        }
        counts['passed'] = counts['tests'] - sum(
            counts[k] for k in ('failures', 'errors', 'skipped'))
        reasons = sorted({
            skipped.get('message', '').strip()
            for skipped in suite.iter('skipped')
        })
        failed = [
            f'{case.get("classname")}::{case.get("name")}'
            for case in suite.iter('testcase') if
            case.find('failure') is not None or case.find('error') is not None
        ]
        step.results.update(counts, skip_reasons=reasons, failed=failed)
        step.summary = (f'{counts["passed"]} passed, {counts["skipped"]} '
                        f'skipped, {len(failed)} failed')
        if reasons:
            step.summary += f' (skipped: {"; ".join(reasons)})'
        target = self.targets['cuda_tests']
        target.value = step.summary
        if self.cuda:
            target.met = not failed and counts['passed'] > 0
        else:
            target.note = 'no GPU: the CUDA cases skip'
        if failed or result.returncode != 0:
            raise StepFailed(f'{step.summary}: {", ".join(failed)}' if failed
                             else f'pytest exited with {result.returncode}')
        if self.cuda and counts['passed'] == 0:
            raise StepFailed('no CUDA test ran on a machine with CUDA')

    def train(self, step: Step) -> None:
        p = self.profile
        self.train_config = self.write_config('train', p.train_images,
                                              p.test_images, 1)
        result = self._train(step, self.train_config, self.train_work_dir)
        self.train_log = result.stdout
        self._require_file(osp.join(self.train_work_dir, 'epoch_1.pth'))
        step.summary = (
            f'{math.ceil(p.train_images / self.batch)} iterations of batch '
            f'{self.batch}, {_format(step.results["images_per_s"], ".0f")} '
            f'images/s, val top-1 {_format(step.results["top1"], ".2f")} % ' +
            ('(--amp)'
             if step.results['amp'] else f'({step.results["amp_note"]})'))

    def test(self, step: Step) -> None:
        checkpoint = self._require_file(
            osp.join(self.train_work_dir, 'epoch_1.pth'),
            'the train step\'s checkpoint')
        result = self.runner.check([
            PYTHON, 'tools/test.py', self.train_config, checkpoint,
            '--work-dir',
            osp.join(self.work, 'test')
        ],
                                   'tools/test.py',
                                   cwd=ROOT)
        top1 = last_top1(result.stdout)
        if top1 is None:
            raise StepFailed('tools/test.py printed no accuracy/top1')
        images = self.profile.test_images or 10000
        step.results.update(top1=top1, images=images)
        step.summary = f'top-1 {top1:.2f} % on {images} test images'

    def resume(self, step: Step) -> None:
        self._require_file(
            osp.join(self.train_work_dir, 'epoch_1.pth'),
            'the train step\'s checkpoint')
        result = self._train(step, self.train_config, self.train_work_dir,
                             '--resume', '--cfg-options',
                             'train_cfg.max_epochs=2')
        resumed = RESUMED.search(result.stdout)
        if not resumed or resumed.group(1) != '1':
            raise StepFailed('the log does not say "resumed epoch: 1"')
        self._require_file(osp.join(self.train_work_dir, 'epoch_2.pth'))
        step.results['resumed_iter'] = int(resumed.group(2))
        step.summary = (f'resumed at epoch 1, iteration {resumed.group(2)}; '
                        'epoch 2 trained, val top-1 '
                        f'{_format(step.results["top1"], ".2f")} %')

    def dist_train(self, step: Step) -> None:
        p = self.profile
        config = self.write_config('dist_train', p.dist_images, p.test_images,
                                   1)
        work_dir = osp.join(self.work, 'dist_train')
        result = self.runner.check([
            'bash', 'tools/dist_train.sh', config, '1', *self.amp_flag(step),
            '--work-dir', work_dir, '--cfg-options',
            f'env_cfg.dist_cfg.timeout={DIST_TIMEOUT}'
        ],
                                   'tools/dist_train.sh',
                                   cwd=ROOT,
                                   env=dict(DIST_ENV, PORT=str(free_port())))
        self._require_file(osp.join(work_dir, 'epoch_1.pth'))
        backend = re.search(r"backend='(\w+)'", result.stdout)
        warned = LSTM_WEIGHTS_WARNING in result.stdout
        step.results.update(
            backend=backend.group(1) if backend else None,
            lstm_weights_warning=warned,
            grad_strides_warning=GRAD_STRIDES_WARNING in result.stdout)
        target = self.targets['lstm_warning']
        target.value = 'warned' if warned else 'no warning'
        if self.cuda:
            target.met = not warned
        else:
            target.note = 'cuDNN only: not applicable on the CPU'
        step.summary = (
            f'1 process, backend {step.results["backend"]}, LSTM weights: '
            f'{target.value}' +
            ('; DDP warned that gradient strides do not match its buckets '
             '(slower all-reduce copies)'
             if step.results['grad_strides_warning'] else ''))

    def _train(self, step: Step, config: str, work_dir: str, *options:
               str) -> subprocess.CompletedProcess:
        """Run tools/train.py (with --amp on a GPU) and record the
        iteration speed and the last validation's top-1."""
        result = self.runner.check([
            PYTHON, 'tools/train.py', config, *self.amp_flag(step),
            '--work-dir', work_dir, *options
        ],
                                   'tools/train.py',
                                   cwd=ROOT)
        times, data = logged_times(result.stdout)
        seconds = statistics.median(times) if times else None
        step.results.update(
            top1=last_top1(result.stdout),
            seconds_per_iteration=seconds,
            data_seconds_per_iteration=statistics.median(data)
            if data else None,
            images_per_s=self.batch / seconds if seconds else None,
            loader_workers=self.workers)
        return result

    def amp_check(self, step: Step) -> None:
        if not self.autocast:
            raise StepSkipped('skipped: BiLSTM2D does not run under bf16 '
                              'autocast on this CPU (lstm_probe)')
        out = osp.join(self.work, 'amp_check')
        result = self.runner.run([
            PYTHON, BENCHMARK, '--check-amp', '--channels-last', '--device',
            'cuda' if self.cuda else 'cpu', '--shapes', self.profile.amp_shape,
            '--tolerance',
            str(AMP_TOLERANCE), '--models', f'ConvNeXt-LSTM-T={OURS}',
            f'ConvNeXt-T={CONVNEXT_T}', '--out-dir', out
        ],
                                 cwd=ROOT)
        errors = self._read_json(osp.join(out, 'amp_check.json'),
                                 result)['models']
        step.results.update(errors)
        worst = max(e['relative_error'] for e in errors.values())
        target = self.targets['amp']
        target.value = ', '.join(f'{name} {e["relative_error"]:.2%}'
                                 for name, e in errors.items())
        target.met = worst <= AMP_TOLERANCE
        target.note = (f'{self.profile.amp_shape} (size:batch), '
                       f'{"GPU" if self.cuda else "CPU"}')
        step.summary = f'relative errors: {target.value}'
        if result.returncode != 0:
            raise StepFailed(f'{step.summary}: above {AMP_TOLERANCE:.0%}')

    def benchmark(self, step: Step) -> None:
        cases = self._benchmark(
            step, 'benchmark',
            [f'ConvNeXt-LSTM-T={OURS}', f'ConvNeXt-T={CONVNEXT_T}'],
            'ConvNeXt-T', self.profile.bench_args)
        train = cases['ConvNeXt-LSTM-T', 'train']
        speedup = train['speedup']['median']
        memory = train['peak_memory_bytes']
        speed = self.targets['speedup']
        reference = cases['ConvNeXt-T', 'train']
        speed.value = (f'{speedup:.2f}x ('
                       f'{train["images_per_s"]["median"]:.1f} vs '
                       f'{reference["images_per_s"]["median"]:.1f} images/s)')
        speed.met = speedup >= MIN_TRAIN_SPEEDUP
        mem = self.targets['memory']
        mem.value = '-' if memory is None else f'{memory / 1e9:.2f} GB'
        mem.met = None if memory is None else memory < MAX_TRAIN_MEMORY
        for target in (speed, mem):
            self.tiny_note(target)
        step.summary = (
            f'ours {speed.value}, peak {mem.value}; share of the '
            f'{"bf16" if self.autocast else "fp32"} matmul rate: ' +
            ', '.join(f'{model} {mode} {c["matmul_fraction"]["median"]:.0%}'
                      for (model, mode), c in cases.items()) +
            self._precision_note())

    def conv_impl(self, step: Step) -> None:
        models = []
        for impl in CONV_IMPLS:
            config = osp.join(self.work, f'conv_impl_{impl}.py')
            with open(config, 'w') as f:
                f.write(f'_base_ = [{osp.join(ROOT, OURS)!r}]\n'
                        'model = dict(backbone=dict(block_cfg=dict('
                        f'conv_impl={impl!r})))\n')
            models.append(f'{impl}={config}')
        cases = self._benchmark(step, 'conv_impl', models, 'grouped',
                                self.profile.conv_impl_args)
        speed = {
            impl: cases[impl, 'train']['images_per_s']['median']
            for impl in CONV_IMPLS
        }
        fastest = max(('channel_multiplier', 'grouped'), key=speed.get)
        share = speed['auto'] / speed[fastest]
        step.results['training_images_per_s'] = speed
        step.results['faster'] = fastest
        target = self.targets['conv_impl']
        target.value = (f'auto {share:.0%} of {fastest} (' +
                        ', '.join(f'{impl} {v:.1f}'
                                  for impl, v in speed.items()) + ' images/s)')
        target.met = share >= AUTO_MIN_SHARE
        target.note = f'{self.profile.bench_shape} (size:batch), training'
        self.tiny_note(target)
        step.summary = (f'{fastest} is faster here; {target.value}' +
                        self._precision_note())

    def _benchmark(self, step: Step, name: str, models: List[str],
                   reference: str, extra: List[str]) -> dict:
        out = osp.join(self.work, name)
        result = self.runner.check([
            PYTHON, BENCHMARK, '--device', self.device,
            *(['--amp'] if self.autocast else []), '--channels-last',
            '--shapes', self.profile.bench_shape, '--models', *models,
            '--reference', reference, *extra, '--out-dir', out
        ],
                                   'the benchmark',
                                   cwd=ROOT)
        results = self._read_json(osp.join(out, 'benchmark.json'), result)
        step.results['autocast'] = self.autocast
        step.results.update(
            matmul=results['matmul'],
            cases=results['cases'],
            settings={
                k: results['meta'][k]
                for k in ('amp', 'channels_last', 'warmup', 'iters', 'reps')
            })
        return {(c['model'], c['mode']): c for c in results['cases']}

    def _precision_note(self) -> str:
        return '' if self.autocast else (
            '; fp32: BiLSTM2D has no bf16 autocast on this CPU')

    def accuracy(self, step: Step, label: str, model_config: str,
                 share: float) -> None:
        """Train a model with the paper's AdamW recipe on CIFAR-10 for as
        many epochs as fit (the same for both models), test it."""
        if self.accuracy_epochs is None:
            self.accuracy_epochs = self._fit_epochs(share)
        epochs = self.accuracy_epochs
        if not epochs:
            raise StepSkipped('skipped for budget: not one epoch of 50,000 '
                              'images fits into the budget left')
        train_images, test_images = self.profile.accuracy_images
        config = self.write_config(
            f'accuracy_{label}',
            train_images,
            test_images,
            epochs,
            model=model_config,
            schedule=OURS_ADAMW)
        self._train(step, config, osp.join(self.work, f'accuracy_{label}'))
        step.results.update(
            epochs=epochs,
            train_images=train_images or 50000,
            test_images=test_images or 10000)
        if step.results['top1'] is None:
            raise StepFailed('the run printed no accuracy/top1')
        step.summary = (
            f'top-1 {step.results["top1"]:.2f} % on '
            f'{step.results["test_images"]} test images after {epochs} '
            f'epoch(s) on {step.results["train_images"]} images, '
            f'{_format(step.results["images_per_s"], ".0f")} images/s with '
            f'{self.workers} loader workers')

    def _fit_epochs(self, share: float) -> int:
        """Epochs for each accuracy run: the profile's, or as many as fit
        into ``share`` of the budget left at the throughput the train step
        measured (batch, AMP and loaders as here).

        Where the train step logged no iteration time (too few iterations
        for a log line), its whole wall time per iteration stands in: its
        start-up counted as training, so fewer epochs rather than too many.
        """
        p = self.profile
        if p.accuracy_epochs:
            return p.accuracy_epochs
        train_step = next((s for s in self.runner.steps if s.name == 'train'),
                          None)
        if train_step is None or train_step.status != PASSED:
            raise StepSkipped('skipped: the train step did not pass, so '
                              'nothing sizes the schedule')
        times, _ = logged_times(self.train_log)
        iterations = math.ceil(p.train_images / self.batch)
        if times:
            per_iteration = statistics.median(times)
            overhead = max(0., train_step.seconds - iterations * per_iteration)
        else:
            per_iteration, overhead = train_step.seconds / iterations, 0.
        epoch_seconds = math.ceil(50000 / self.batch) * per_iteration
        return epochs_for(self.runner.deadline.left() * share, epoch_seconds,
                          overhead)

    def hang(self, step: Step) -> None:
        """What ``--inject-hang`` puts in place of a step's work."""
        step.results['injected_hang'] = True
        self.runner.run([PYTHON, 'tools/gpu/hang.py'], cwd=ROOT)

    @staticmethod
    def _require_file(path: str, what: Optional[str] = None) -> str:
        if not osp.isfile(path):
            raise StepFailed(f'{what or path} is missing' +
                             (f' ({path})' if what else ''))
        return path

    @staticmethod
    def _read_json(path: str, result) -> dict:
        if not osp.isfile(path):
            raise StepFailed(f'no {osp.basename(path)} (exit code '
                             f'{result.returncode})')
        with open(path) as f:
            return json.load(f)

    # -------------------------------------------------------------- run
    def run(self) -> int:
        steps = [
            ('environment', 'imports, versions, requirements',
             self.environment),
            ('lstm_probe', 'an LSTM under bf16 autocast', self.lstm_probe),
            ('model_tests', '(a) CUDA cases of the model tests',
             self.model_tests),
            ('amp_check', '(c) bf16-autocast logits vs fp32', self.amp_check),
            ('benchmark', '(c) ours vs ConvNeXt-T', self.benchmark),
            ('conv_impl', '(c) the New Block\'s conv implementations',
             self.conv_impl),
            ('data', 'the CIFAR-10 JPEG archive, /dev/shm', self.data),
            ('train', '(b) tools/train.py --amp', self.train),
            ('test', '(b) tools/test.py on its checkpoint', self.test),
            ('resume', '(b) tools/train.py --resume', self.resume),
            ('dist_train', '(b) tools/dist_train.sh CONFIG 1',
             self.dist_train),
        ]
        limits = self.profile.limits
        for name, title, body in steps:
            self.runner.step(
                name, title, limits[name],
                self.hang if name == self.args.inject_hang else body)
        # The two accuracy runs share the budget left, the first half each.
        for label, config, share in (('ours', OURS_ADAMW, 0.5),
                                     ('convnext-t512', CONVNEXT_T512, 1.)):
            name = f'accuracy_{label}'
            self.runner.step(
                name,
                f'(d) {label}: AdamW recipe, CIFAR-10',
                min(limits['accuracy'],
                    self.runner.deadline.left() * share * 1.1),
                self.hang if name == self.args.inject_hang else
                lambda s, label=label, config=config, share=share: self.
                accuracy(s, label, config, share))
        self.report(self.runner.steps)
        if not self.args.keep_work_dir:
            for folder in (self.work, self.data_dir):
                shutil.rmtree(folder, ignore_errors=True)
        by_status = {
            status: [s.name for s in self.runner.steps if s.status == status]
            for status in (PASSED, FAILED, TIMEOUT, SKIPPED)
        }
        print('[acceptance] ' + '; '.join(
            f'{len(names)} {status}' +
            (f' ({", ".join(names)})' if names and status != PASSED else '')
            for status, names in by_status.items()) +
              f'; report in {self.out_dir}/report.md')
        return 0 if overall_status(self.runner.steps) == PASSED else 1


def main(argv=None) -> int:
    return Acceptance(parse_args(argv)).run()


if __name__ == '__main__':
    sys.exit(main())
