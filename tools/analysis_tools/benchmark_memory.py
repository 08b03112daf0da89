# Copyright (c) mmconvnext_lstm contributors. All rights reserved.
"""Peak memory of a piece of work in a process that does other work too.

On CUDA the caching allocator keeps exact counters: the peak of
``torch.cuda.memory_allocated`` since a reset. On the CPU the operating
system's view is all there is: the resident set size (RSS). Linux keeps its
high-water mark (``VmHWM`` in ``/proc/self/status``) and lets a process reset
it to the current RSS by writing ``5`` to ``/proc/self/clear_refs``, so the
peak of one piece of work is exact too, without a sampling thread that could
miss a short peak. Before every reading freed memory is given back to the
system (``gc.collect`` and glibc's ``malloc_trim``), otherwise memory that an
earlier, larger piece of work freed but the allocator kept would hide the
next one's growth.
"""
import ctypes
import gc
import os
from contextlib import contextmanager
from typing import Iterator, Optional

import torch


def _trim_host_heap() -> None:
    gc.collect()
    try:
        ctypes.CDLL('libc.so.6').malloc_trim(0)
    except (OSError, AttributeError):
        pass  # not glibc: the RSS may then include freed, kept memory


def _read_status_kb(field: str) -> Optional[int]:
    try:
        with open('/proc/self/status') as f:
            for line in f:
                if line.startswith(field + ':'):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return None


class MemoryMeter:
    """Current and peak memory on ``device``, in bytes.

    Args:
        device (torch.device | str): ``cuda`` devices read the caching
            allocator's counters; any other device reads the process's RSS
            (Linux only; elsewhere the readings are None).
    """

    def __init__(self, device):
        self.device = torch.device(device)
        self.is_cuda = self.device.type == 'cuda'

    @property
    def method(self) -> str:
        """A short description of what is measured, for reports."""
        if self.is_cuda:
            return 'CUDA allocator peak (torch.cuda.max_memory_allocated)'
        return ('process RSS high-water mark (VmHWM, reset through '
                '/proc/self/clear_refs), host heap trimmed before readings')

    def current(self) -> Optional[int]:
        """The memory in use now."""
        if self.is_cuda:
            torch.cuda.synchronize(self.device)
            return torch.cuda.memory_allocated(self.device)
        _trim_host_heap()
        return _read_status_kb('VmRSS')

    @contextmanager
    def peak(self) -> Iterator[dict]:
        """Measure the peak memory of the enclosed work.

        Yields:
            dict: Filled on exit with ``peak`` (bytes, absolute, None when
            unavailable).
        """
        result = dict(peak=None)
        if self.is_cuda:
            torch.cuda.synchronize(self.device)
            torch.cuda.reset_peak_memory_stats(self.device)
        else:
            _trim_host_heap()
            try:
                with open('/proc/self/clear_refs', 'w') as f:
                    f.write('5')
                resettable = True
            except OSError:
                resettable = False
        yield result
        if self.is_cuda:
            torch.cuda.synchronize(self.device)
            result['peak'] = torch.cuda.max_memory_allocated(self.device)
        elif resettable:
            result['peak'] = _read_status_kb('VmHWM')


# The instruction sets that decide which oneDNN kernels a CPU gets.
CPU_FLAGS = ('avx2', 'avx512f', 'avx512_bf16', 'amx_bf16')


def cpu_kind() -> dict:
    """The CPU's vendor, model name and which of :data:`CPU_FLAGS` it has,
    from ``/proc/cpuinfo`` (Linux; 'unknown' and no flags elsewhere)."""
    fields = {}
    try:
        with open('/proc/cpuinfo') as f:
            for line in f:
                key, _, value = (part.strip() for part in line.partition(':'))
                fields.setdefault(key, value)
    except OSError:
        pass
    flags = set(fields.get('flags', '').split())
    return dict(
        vendor=fields.get('vendor_id', 'unknown'),
        model=fields.get('model name', 'unknown'),
        flags=[flag for flag in CPU_FLAGS if flag in flags])


def host_description() -> dict:
    """The CPU (see :func:`cpu_kind`), thread count and load, for
    reports."""
    kind = cpu_kind()
    return dict(
        cpu=kind['model'],
        cpu_kind=kind,
        logical_cpus=os.cpu_count(),
        torch_threads=torch.get_num_threads(),
        load_average=list(os.getloadavg()))
