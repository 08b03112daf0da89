# Copyright (c) mmconvnext_lstm contributors. All rights reserved.
"""Steps with their own time limits, and the report they add up to.

The acceptance (tools/gpu/acceptance.py) runs its checks as steps: each has
a time limit, never beyond the run's deadline, so that one slow or hanging
step costs its own result only. Commands run in a process group of their
own, which is killed whole at the limit (the training tools' data-loader
workers and ``torchrun``'s children included). After every step the report
is written again, so a run stopped from outside still leaves what it had.
"""
import json
import os
import signal
import subprocess
import time
from dataclasses import asdict, dataclass, field
from typing import Callable, Dict, List, Optional, Sequence

# Step and target outcomes.
PASSED, FAILED, TIMEOUT, SKIPPED = 'passed', 'failed', 'timeout', 'skipped'


@dataclass
class Step:
    """One step's outcome.

    Args:
        name (str): Short name, e.g. ``'train'``.
        title (str): What the step checks, for the report.
        status (str): ``'passed'``, ``'failed'``, ``'timeout'`` or
            ``'skipped'``. Defaults to 'skipped'.
        seconds (float): Wall time spent. Defaults to 0.
        limit (float, optional): Its time limit in seconds. Defaults to None.
        commands (list[str]): The commands it ran. Defaults to [].
        summary (str): One line for the report's table. Defaults to ''.
        results (dict): Figures for the JSON report. Defaults to {}.
    """
    name: str
    title: str
    status: str = SKIPPED
    seconds: float = 0.
    limit: Optional[float] = None
    commands: List[str] = field(default_factory=list)
    summary: str = ''
    results: dict = field(default_factory=dict)


@dataclass
class Target:
    """A target of the acceptance and whether the run met it.

    Args:
        name (str): What is required, e.g. ``'training images/s >= 1.8x
            ConvNeXt-T'``.
        value (str): What was measured, formatted. Defaults to '-'.
        met (bool, optional): None when not measured or not applicable on
            this machine. Defaults to None.
        note (str): Why it was not measured, or how. Defaults to ''.
    """
    name: str
    value: str = '-'
    met: Optional[bool] = None
    note: str = ''


class StepFailed(Exception):
    """Raised inside a step to end it as failed with this message."""


class Deadline:
    """The run's end: limits of later steps shrink to what is left.

    Args:
        seconds (float): Time from now to the deadline.
        reserve (float): Kept back at the end for writing the report.
            Defaults to 5.
    """

    def __init__(self, seconds: float, reserve: float = 5.):
        self.start = time.monotonic()
        self.end = self.start + seconds - reserve

    def left(self) -> float:
        """Seconds left before the deadline (never negative)."""
        return max(0., self.end - time.monotonic())

    def elapsed(self) -> float:
        return time.monotonic() - self.start


class Runner:
    """Run steps in order against a deadline, logging every command.

    Args:
        deadline (Deadline): When the whole run must end.
        log_path (str): Every command and its output are appended here.
        write_report (Callable): Called with the steps after each one.
        min_limit (float): A step that would get less time than this is
            skipped instead. Defaults to 5.
    """

    def __init__(self,
                 deadline: Deadline,
                 log_path: str,
                 write_report: Callable[[List[Step]], None],
                 min_limit: float = 5.):
        self.deadline = deadline
        self.log_path = log_path
        self.write_report = write_report
        self.min_limit = min_limit
        self.steps: List[Step] = []
        self._current: Optional[Step] = None
        self._step_end = 0.

    def log(self, text: str) -> None:
        with open(self.log_path, 'a') as f:
            f.write(text if text.endswith('\n') else text + '\n')

    def step(self, name: str, title: str, limit: float,
             body: Callable[[Step], None]) -> Step:
        """Run ``body(step)`` within ``limit`` seconds (or what is left).

        ``body`` runs commands with :meth:`run`, fills ``step.summary`` and
        ``step.results``, and raises :class:`StepFailed` to fail. The step
        passes if ``body`` returns, times out if a command hit the limit,
        and fails on :class:`StepFailed` or any other exception.
        """
        step = Step(name, title, limit=min(limit, self.deadline.left()))
        self.steps.append(step)
        if step.limit < self.min_limit:
            step.summary = (f'skipped: {step.limit:.0f} s left of the '
                            'run\'s time, too little to start')
        else:
            self._run_body(step, body)
        self.log(f'=== {name}: {step.status} in {step.seconds:.1f} s '
                 f'(limit {step.limit:.0f} s): {step.summary}')
        print(
            f'[acceptance] {name}: {step.status} ({step.seconds:.0f} s) '
            f'{step.summary}',
            flush=True)
        self.write_report(self.steps)
        return step

    def _run_body(self, step: Step, body: Callable[[Step], None]) -> None:
        self._current = step
        started = time.monotonic()
        self._step_end = started + step.limit
        self.log(f'\n=== {step.name} ({step.title}), limit '
                 f'{step.limit:.0f} s')
        try:
            body(step)
            step.status = PASSED
        except subprocess.TimeoutExpired as error:
            step.status = TIMEOUT
            step.summary = (f'stopped at the step\'s limit of '
                            f'{step.limit:.0f} s in: {_quote(error.cmd)}')
        except StepFailed as error:
            step.status = FAILED
            step.summary = str(error)
        except Exception as error:  # a bug must not lose the other steps
            step.status = FAILED
            step.summary = f'{type(error).__name__}: {error}'
        finally:
            step.seconds = time.monotonic() - started
            self._current = None

    def time_left(self) -> float:
        """Seconds left for the current step."""
        return max(0., self._step_end - time.monotonic())

    def run(self,
            command: Sequence[str],
            env: Optional[Dict[str, str]] = None,
            cwd: Optional[str] = None,
            limit: Optional[float] = None) -> subprocess.CompletedProcess:
        """Run ``command`` within the current step's time (or ``limit`` if
        less), its output logged and returned (stderr merged into stdout).

        Raises:
            subprocess.TimeoutExpired: At the limit, after killing the
                command's whole process group.
        """
        command = [str(part) for part in command]
        self._current.commands.append(_quote(command))
        self.log(f'$ {_quote(command)}')
        seconds = self.time_left() if limit is None else min(
            limit, self.time_left())
        full_env = dict(os.environ, PYTHONUNBUFFERED='1', **(env or {}))
        process = subprocess.Popen(
            command,
            cwd=cwd,
            env=full_env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            errors='replace',
            start_new_session=True)
        try:
            output, _ = process.communicate(timeout=seconds)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            output, _ = process.communicate()
            self.log(output)
            raise subprocess.TimeoutExpired(command, seconds, output)
        self.log(output)
        self.log(f'(exit code {process.returncode})')
        return subprocess.CompletedProcess(command, process.returncode, output)

    def check(self, command: Sequence[str], what: str,
              **kwargs) -> subprocess.CompletedProcess:
        """:meth:`run`, failing the step if the command exits non-zero."""
        result = self.run(command, **kwargs)
        if result.returncode != 0:
            last = [
                line for line in result.stdout.splitlines() if line.strip()
            ][-1:] or ['no output']
            raise StepFailed(f'{what} exited with {result.returncode}: '
                             f'{last[0].strip()[:300]}')
        return result


def _quote(command) -> str:
    if isinstance(command, str):
        return command
    return ' '.join(
        part if part and all(c.isalnum() or c in '-_./=:,@+'
                             for c in part) else repr(part)
        for part in command)


def overall_status(steps: List[Step]) -> str:
    """``'passed'`` if every step passed, else ``'failed'``."""
    return PASSED if steps and all(s.status == PASSED
                                   for s in steps) else FAILED


def _mark(met: Optional[bool]) -> str:
    return {True: 'met', False: 'NOT met', None: 'not measured'}[met]


def format_markdown(meta: dict, steps: List[Step],
                    targets: List[Target]) -> str:
    """The report: the run, the targets, then every step."""
    lines = [
        f'# GPU acceptance: {overall_status(steps)}', '',
        f'{meta["date"]}, {meta["mode"]} run on {meta["machine"]}; '
        f'{meta["software"]}; {meta["seconds"]:.0f} s in all.', '',
        '## Targets', '', '| target | measured | result | note |',
        '|---|---|---|---|'
    ]
    lines += [
        f'| {t.name} | {t.value} | {_mark(t.met)} | {t.note} |'
        for t in targets
    ]
    lines += [
        '', '## Steps', '', '| step | result | seconds (limit) | summary |',
        '|---|---|---|---|'
    ]
    lines += [
        f'| {s.name}: {s.title} | {s.status} | {s.seconds:.0f} '
        f'({s.limit:.0f}) | {s.summary} |' for s in steps
    ]
    lines += ['', '## Commands', '']
    for s in steps:
        lines += [f'{s.name}:', ''] + [f'    {c}' for c in s.commands] + ['']
    return '\n'.join(lines)


def write_report(out_dir: str, meta: dict, steps: List[Step],
                 targets: List[Target]) -> None:
    """Write ``report.md`` and ``report.json`` into ``out_dir``, each in
    one rename so that a reader never sees half a file."""
    report = dict(
        status=overall_status(steps),
        meta=meta,
        targets=[asdict(t) for t in targets],
        steps=[asdict(s) for s in steps])
    for name, text in (('report.json', json.dumps(report, indent=2) + '\n'),
                       ('report.md', format_markdown(meta, steps, targets))):
        path = os.path.join(out_dir, name)
        with open(path + '.tmp', 'w') as f:
            f.write(text)
        os.replace(path + '.tmp', path)
