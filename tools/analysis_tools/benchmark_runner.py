# Copyright (c) mmconvnext_lstm contributors. All rights reserved.
"""Throughput, memory and hardware utilisation of several models, measured
side by side in one process.

Every measurement ("case") is one model, one mode and one input shape:

- ``train``: a training step, forward, loss, backward and an optimizer
  step (AdamW or SGD), as
  ``tools/train.py`` runs one (without the data pipeline);
- ``infer``: a forward pass to the logits under ``torch.inference_mode``;
- ``neck``: forward and backward of the model's neck alone, on the feature
  map its backbone gives at that input size, to weigh it against the
  training step of the same shape;
- ``onnxruntime``: the forward pass of the model exported to ONNX (dynamic
  batch) in ONNX Runtime on the CPU, with torch's thread count; its
  speed-up is relative to the reference model's ``infer`` case.

All cases are warmed up first (one model at a time, which also measures
their peak memory), then timed in turns: each repetition times every case
once, together with a large matrix product that gives the machine's dense
FLOP/s at that moment. Changes of machine load (other processes on a shared
machine, clock changes) thus hit all cases of a repetition alike, and every
ratio (speed-up against the reference model, fraction of the matmul
FLOP/s) is taken within a repetition; the report gives the median over
repetitions and the range.
"""
import os.path as osp
import platform
import statistics
import sys
import tempfile
import time
from contextlib import contextmanager, nullcontext
from datetime import datetime, timezone
from typing import Callable, Dict, Iterator, List, Optional, Sequence, Union

import torch
import torch.nn as nn

from benchmark_memory import MemoryMeter, host_description
from paper_tables import model_config_dir

MODES = ('train', 'infer', 'neck', 'onnxruntime')

# The default comparison: the paper's model and its two baselines.
DEFAULT_MODELS = {
    'ConvNeXt-LSTM-T': 'convnext_lstm/convnext-lstm-tiny.py',
    'ConvNeXt-T': 'convnext/convnext-tiny.py',
    'ConvNeXt-T/512': 'convnext/convnext-tiny-512.py',
}
DEFAULT_REFERENCE = 'ConvNeXt-T'

# The paper's two recipes: AdamW (Tiny ImageNet) and SGD (CIFAR).
OPTIMIZERS = {
    'adamw':
    lambda params: torch.optim.AdamW(params, lr=1e-5, weight_decay=0.05),
    'sgd':
    lambda params: torch.optim.SGD(
        params, lr=1e-5, momentum=0.9, weight_decay=1e-4),
}


def default_model_configs() -> Dict[str, str]:
    """The default comparison's config files, from the installed package
    or the checkout."""
    config_dir = model_config_dir()
    return {
        name: osp.join(config_dir, file)
        for name, file in DEFAULT_MODELS.items()
    }


def _summary(values: Sequence[float]) -> dict:
    return dict(
        median=statistics.median(values),
        min=min(values),
        max=max(values),
        runs=list(values))


@contextmanager
def _flush_denormals(device: torch.device) -> Iterator[None]:
    """Flush denormal floats to zero on the CPU while measuring, as our
    training tools do there (``FlushDenormalHook``): the layer scale's 1e-6
    start otherwise slows CPU steps by chance, depending on which values
    happen to fall below float32's normal range. Flushing is turned off
    again afterwards (torch's default; torch cannot read the setting)."""
    flushing = device.type == 'cpu' and torch.set_flush_denormal(True)
    try:
        yield
    finally:
        if flushing:
            torch.set_flush_denormal(False)


def _synchronize(device: torch.device) -> None:
    if device.type == 'cuda':
        torch.cuda.synchronize(device)


class _Case:
    """One timed piece of work and its readings."""

    def __init__(self, model: str, mode: str, size: int, batch: int,
                 step: Callable[[], None]):
        self.model, self.mode, self.size, self.batch = (model, mode, size,
                                                        batch)
        self.step = step
        self.seconds: List[float] = []
        self.peak_memory: Optional[int] = None
        self.macs_per_image: Optional[int] = None

    def label(self) -> str:
        return f'{self.model} {self.mode} {self.size} px x{self.batch}'

    def key(self, model: Optional[str] = None, mode: Optional[str] = None):
        return (model or self.model, mode or self.mode, self.size, self.batch)


class _ModelUnderTest:
    """A model with its optimizer and fixed random batches on a device."""

    def __init__(self, model: nn.Module, device: torch.device, amp: bool,
                 channels_last: bool, optimizer: str):
        self.model = model.to(device)
        self.device = device
        self.amp = amp
        self.memory_format = (
            torch.channels_last if channels_last else torch.contiguous_format)
        if channels_last:
            self.model.to(memory_format=torch.channels_last)
        # A small learning rate keeps the weights (and the speed of the
        # arithmetic) sane over many steps on random data.
        self.optimizer = OPTIMIZERS[optimizer](self.model.parameters())
        self.num_classes = getattr(model.head, 'num_classes', 10)
        self._batches = {}
        self._onnx_sessions = {}

    def _autocast(self):
        if not self.amp:
            return nullcontext()
        return torch.autocast(self.device.type, dtype=torch.bfloat16)

    def batch(self, size: int, batch: int):
        if (size, batch) not in self._batches:
            from mmpretrain.structures import DataSample
            inputs = torch.randn(
                batch, 3, size, size, device=self.device).contiguous(
                    memory_format=self.memory_format)
            labels = torch.randint(self.num_classes, (batch, ))
            samples = [
                DataSample().set_gt_label(int(label)) for label in labels
            ]
            self._batches[size, batch] = (inputs, samples)
        return self._batches[size, batch]

    def train_step(self, size: int, batch: int) -> Callable[[], None]:
        inputs, samples = self.batch(size, batch)

        def step():
            self.model.train()
            with self._autocast():
                losses = self.model(inputs, samples, mode='loss')
            loss, _ = self.model.parse_losses(losses)
            loss.backward()
            self.optimizer.step()
            self.optimizer.zero_grad(set_to_none=True)

        return step

    def infer_step(self, size: int, batch: int) -> Callable[[], None]:
        inputs, _ = self.batch(size, batch)

        def step():
            self.model.eval()
            with torch.inference_mode(), self._autocast():
                self.model(inputs, mode='tensor')

        return step

    def onnxruntime_step(self, size: int, batch: int) -> Callable[[], None]:
        # The exporter is a tool of its own, beside this one.
        sys.path.append(
            osp.join(
                osp.dirname(osp.dirname(osp.abspath(__file__))), 'deployment'))
        from onnx_export import INPUT_NAME, export_onnx
        from onnx_verify import onnxruntime_session
        if size not in self._onnx_sessions:
            self.model.eval()
            with tempfile.TemporaryDirectory() as folder:
                path = osp.join(folder, 'model.onnx')
                export_onnx(self.model, path, (size, size))
                self._onnx_sessions[size] = onnxruntime_session(
                    path, torch.get_num_threads())
        session = self._onnx_sessions[size]
        feed = {INPUT_NAME: self.batch(size, batch)[0].cpu().numpy()}

        def step():
            session.run(None, feed)

        return step

    def neck_step(self, size: int, batch: int) -> Callable[[], None]:
        inputs, _ = self.batch(size, batch)
        self.model.train()
        with torch.no_grad(), self._autocast():
            feature = self.model.backbone(inputs)[-1].detach()
        feature.requires_grad_(True)
        neck = self.model.neck

        def step():
            with self._autocast():
                out = neck(feature)[-1]
            out.backward(torch.ones_like(out))
            neck.zero_grad(set_to_none=True)
            feature.grad = None

        return step


def has_lstm_neck(model: nn.Module) -> bool:
    """Whether ``model`` has a neck with an LSTM (the BiLSTM2D layer)."""
    neck = getattr(model, 'neck', None)
    return neck is not None and any(
        isinstance(m, nn.LSTM) for m in neck.modules())


def measure_matmul(device: torch.device,
                   dtype: torch.dtype,
                   size: int,
                   seconds: float = 0.5) -> Callable[[], float]:
    """A timer of ``size`` x ``size`` matrix products.

    Args:
        device (torch.device): Where to multiply.
        dtype (torch.dtype): The matrices' dtype.
        size (int): The matrices' side.
        seconds (float): About how long one timing lasts: enough products
            to average over short changes of the machine's load.
            Defaults to 0.5.

    Returns:
        Callable: Runs the products and returns their FLOP/s.
    """
    a = torch.randn(size, size, device=device, dtype=dtype)
    b = torch.randn(size, size, device=device, dtype=dtype)
    repeats = 1

    def run() -> float:
        _synchronize(device)
        start = time.perf_counter()
        for _ in range(repeats):
            torch.mm(a, b)
        _synchronize(device)
        return 2 * size**3 * repeats / (time.perf_counter() - start)

    repeats = max(1, int(seconds * run() / (2 * size**3)))
    return run


def run_benchmark(model_configs: Dict[str, object],
                  shapes: Sequence[Sequence[int]],
                  modes: Sequence[str] = ('train', 'infer'),
                  reference: Optional[str] = None,
                  device: str = 'cpu',
                  amp: bool = False,
                  channels_last: bool = False,
                  torch_compile: Union[bool, Sequence[str]] = False,
                  optimizer: str = 'adamw',
                  profile: bool = False,
                  warmup: int = 2,
                  iters: int = 1,
                  reps: int = 5,
                  matmul_size: Optional[int] = None,
                  seed: int = 0,
                  clock: str = 'wall',
                  log: Callable[[str], None] = print) -> dict:
    """Measure every model in every mode at every (size, batch) shape.

    Args:
        model_configs (dict): Model names mapped to config files, configs or
            model dicts (see :func:`complexity.build_model`).
        shapes (Sequence[Sequence[int]]): ``(input size, batch size)``
            pairs; inputs are square.
        modes (Sequence[str]): Any of ``'train'``, ``'infer'`` and
            ``'neck'``; ``'neck'`` adds ``'train'`` (its denominator) and
            applies to models with an LSTM neck only.
            ``'onnxruntime'`` needs the CPU and skips compiled models.
            Defaults to ``('train', 'infer')``.
        reference (str, optional): The model that speed-ups are relative
            to. Defaults to None (no speed-ups).
        device (str): ``'cpu'`` or a CUDA device. Defaults to 'cpu'.
        amp (bool): Run forward passes under bfloat16 autocast; the matmul
            reference is then a bfloat16 product too. Defaults to False.
        channels_last (bool): Convert models and inputs to the
            channels-last memory format. Defaults to False.
        torch_compile (bool | Sequence[str]): ``torch.compile`` the
            backbones and necks of all models (True) or of the models named.
            Naming one config twice, once compiled, measures the effect of
            compiling. Defaults to False.
        optimizer (str): ``'adamw'`` or ``'sgd'``, with the paper's
            momentum and weight decay. Defaults to 'adamw'.
        profile (bool): After timing, run each case once more under
            ``torch.profiler`` and keep its table of the operators that
            took the most time. Defaults to False.
        warmup (int): Untimed iterations of each case before timing.
            Defaults to 2.
        iters (int): Iterations per timed run. Defaults to 1.
        reps (int): Timed runs of each case. Defaults to 5.
        matmul_size (int, optional): Side of the reference matrices.
            Defaults to None: 8192 on CUDA, 2048 on the CPU.
        seed (int): Random seed of weights and data. Defaults to 0.
        clock (str): ``'wall'`` times the cases by the wall clock, ``'cpu'``
            by the process's CPU time, which a loaded machine does not
            inflate by descheduling the process (use it with one thread).
            Defaults to 'wall'.
        log (Callable): Progress messages go here. Defaults to print.

    Returns:
        dict: ``meta`` (machine, software, settings), ``matmul`` (FLOP/s)
        and ``cases`` (one dict per case), ready for JSON.
    """
    from complexity import build_model, model_complexity
    from mmconvnext_lstm.models.utils.depthwise_conv import FASTEST_KERNELS

    unknown = set(modes) - set(MODES)
    if unknown:
        raise ValueError(f'Unknown modes {sorted(unknown)}; choose from '
                         f'{MODES}.')
    if reference is not None and reference not in model_configs:
        raise ValueError(f'The reference model {reference!r} is not among '
                         f'the models {list(model_configs)}.')
    if min(warmup, iters, reps) < 0 or min(iters, reps) < 1:
        raise ValueError('iters and reps must be >= 1 and warmup >= 0.')
    if not isinstance(torch_compile,
                      bool) and not set(torch_compile) <= set(model_configs):
        raise ValueError(f'Cannot compile {sorted(torch_compile)}: not all '
                         f'are among the models {list(model_configs)}.')
    if optimizer not in OPTIMIZERS:
        raise ValueError(f'Unknown optimizer {optimizer!r}; choose from '
                         f'{sorted(OPTIMIZERS)}.')
    modes = list(modes)
    if 'neck' in modes and 'train' not in modes:
        modes.insert(0, 'train')
    device = torch.device(device)
    if device.type == 'cuda' and not torch.cuda.is_available():
        raise RuntimeError('CUDA is not available here; use --device cpu.')
    if 'onnxruntime' in modes and (device.type != 'cpu' or amp):
        raise ValueError('The onnxruntime mode runs float32 on the CPU; '
                         'use --device cpu without --amp.')
    with _flush_denormals(device):
        torch.manual_seed(seed)
        meter = MemoryMeter(device)
        dtype = torch.bfloat16 if amp else torch.float32
        matmul_size = matmul_size or (8192 if device.type == 'cuda' else 2048)
        started = time.perf_counter()
        timer = time.process_time if clock == 'cpu' else time.perf_counter

        cases: List[_Case] = []
        for name, config in model_configs.items():
            log(f'building {name}')
            baseline = meter.current()
            model = build_model(config)
            macs = {
                size: model_complexity(model, (3, size, size))['macs']
                for size, _ in shapes
            }
            runner = _ModelUnderTest(model, device, amp, channels_last,
                                     optimizer)
            compiled = torch_compile is True or (torch_compile
                                                 and name in torch_compile)
            if compiled:
                model.backbone = torch.compile(model.backbone)
                if getattr(model, 'neck', None) is not None:
                    model.neck = torch.compile(model.neck)
            # The modes that do not apply to this model.
            skipped = dict(neck=not has_lstm_neck(model), onnxruntime=compiled)
            # Inference first: its peak must not include optimizer state.
            for mode in ('infer', 'onnxruntime', 'train', 'neck'):
                if mode not in modes or skipped.get(mode):
                    continue
                for size, batch in shapes:
                    step = getattr(runner, f'{mode}_step')(size, batch)
                    case = _Case(name, mode, size, batch, step)
                    case.macs_per_image = macs[size]
                    log(f'warming up {name} {mode} {size}px x{batch}')
                    with meter.peak() as peak:
                        for _ in range(max(warmup, 1)):
                            step()
                        _synchronize(device)
                    if peak['peak'] is not None and baseline is not None:
                        case.peak_memory = peak['peak'] - baseline
                    cases.append(case)

        matmul = measure_matmul(device, dtype, matmul_size)
        matmul_flops = []
        for rep in range(reps):
            log(f'repetition {rep + 1}/{reps}')
            matmul_flops.append(matmul())
            for case in cases:
                _synchronize(device)
                start = timer()
                for _ in range(iters):
                    case.step()
                _synchronize(device)
                case.seconds.append((timer() - start) / iters)

        profiles = {
            case.label(): _profile(case.step, device)
            for case in cases
        } if profile else {}

    meta = dict(
        date=datetime.now(timezone.utc).strftime('%Y-%m-%d %H:%M UTC'),
        device=(torch.cuda.get_device_name(device)
                if device.type == 'cuda' else 'cpu'),
        host=host_description(),
        python=platform.python_version(),
        torch=torch.__version__,
        amp='bfloat16' if amp else None,
        channels_last=channels_last,
        torch_compile=(torch_compile if isinstance(torch_compile, bool) else
                       list(torch_compile)),
        optimizer=optimizer,
        warmup=warmup,
        iters=iters,
        reps=reps,
        reference=reference,
        memory_method=meter.method,
        flush_denormals=device.type == 'cpu',
        clock=clock,
        depthwise_kernels=[
            dict(
                zip(('device', 'dtype', 'input', 'weight', 'backward'), key),
                kernel=kernel) for key, kernel in FASTEST_KERNELS.items()
        ],
        wall_seconds=round(time.perf_counter() - started, 1),
        models={
            name: config if isinstance(config, str) else 'inline dict'
            for name, config in model_configs.items()
        })
    return dict(
        meta=meta,
        matmul=dict(
            size=matmul_size,
            dtype=str(dtype).replace('torch.', ''),
            flops=_summary(matmul_flops)),
        cases=_case_results(cases, matmul_flops, reference),
        profiles=profiles)


def _profile(step: Callable[[], None], device: torch.device) -> str:
    """The 15 operators that took the most time in one ``step``."""
    from torch.profiler import ProfilerActivity, profile
    activities = [ProfilerActivity.CPU]
    if device.type == 'cuda':
        activities.append(ProfilerActivity.CUDA)
    with profile(activities=activities) as prof:
        step()
        _synchronize(device)
    sort_by = ('self_cuda_time_total'
               if device.type == 'cuda' else 'self_cpu_time_total')
    return prof.key_averages().table(sort_by=sort_by, row_limit=15)


def _case_results(cases: List[_Case], matmul_flops: List[float],
                  reference: Optional[str]) -> List[dict]:
    """Per-case readings and the ratios taken within each repetition."""
    by_key = {case.key(): case for case in cases}
    results = []
    for case in cases:
        images = [case.batch / s for s in case.seconds]
        result = dict(
            model=case.model,
            mode=case.mode,
            size=case.size,
            batch=case.batch,
            images_per_s=_summary(images),
            step_ms=_summary([s * 1e3 for s in case.seconds]),
            peak_memory_bytes=case.peak_memory,
            macs_per_image=case.macs_per_image)
        if case.mode in ('train', 'infer', 'onnxruntime'):
            # A training step costs about 3 forward passes; 2 FLOPs per MAC.
            flops_per_image = (3 if case.mode == 'train' else
                               1) * 2 * case.macs_per_image
            result['achieved_flops'] = _summary(
                [flops_per_image * i for i in images])
            result['matmul_fraction'] = _summary([
                flops_per_image * i / m for i, m in zip(images, matmul_flops)
            ])
            ref = by_key.get(
                case.key(
                    model=reference,
                    mode='infer' if case.mode == 'onnxruntime' else
                    None)) if reference else None
            if ref is not None:
                result['speedup'] = _summary(
                    [r / s for s, r in zip(case.seconds, ref.seconds)])
        else:
            train = by_key[case.key(mode='train')]
            result['share_of_train_step'] = _summary(
                [s / t for s, t in zip(case.seconds, train.seconds)])
        results.append(result)
    return results
