# Copyright (c) mmconvnext_lstm contributors. All rights reserved.
"""Steps with their own time limits, and the report they add up to.

The acceptance (tools/gpu/acceptance.py) runs its checks as steps: each has
a time limit, never beyond the run's deadline, so that one slow or hanging
step costs its own result only. At a command's limit every process it
started is stopped, also those in sessions of their own (torch's elastic
launcher starts its workers so), and its output is read from a file, so
nothing left running can hold the run up. After every step the report is
written again, so a run stopped from outside still leaves what it had.
"""
import itertools
import json
import os
import signal
import subprocess
import tempfile
import time
from collections import Counter
from dataclasses import asdict, dataclass, field
from typing import Callable, Dict, List, Optional, Sequence, Set

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


class StepSkipped(Exception):
    """Raised inside a step to end it as skipped with this message (e.g.
    when what is left of the budget cannot hold it)."""


class Deadline:
    """The run's end: limits of later steps shrink to what is left.

    Args:
        seconds (float): The run's budget, counted from ``started``.
        reserve (float): Kept back at the end for writing the report.
            Defaults to 5.
        started (float, optional): When the run began, as ``time.time()``
            (e.g. before an install that is part of the budget). Defaults
            to now.
    """

    def __init__(self,
                 seconds: float,
                 reserve: float = 5.,
                 started: Optional[float] = None):
        spent = 0. if started is None else max(0., time.time() - started)
        self.start = time.monotonic() - spent
        self.end = self.start + seconds - reserve

    def left(self) -> float:
        """Seconds left before the deadline (never negative)."""
        return max(0., self.end - time.monotonic())

    def elapsed(self) -> float:
        return time.monotonic() - self.start


# Every command runs with this variable set to a value of its own; the
# processes that inherit it are the command's, even those that left its
# process group and session and whose parents have exited.
TAG_VARIABLE = 'MMCONVNEXT_LSTM_ACCEPTANCE_COMMAND'


def _process_table() -> Dict[int, int]:
    """Parent of every live (non-zombie) process, from /proc."""
    parents = {}
    for entry in os.listdir('/proc'):
        if not entry.isdigit():
            continue
        try:
            with open(f'/proc/{entry}/stat') as f:
                # "pid (name) state ppid ...": the name may hold spaces.
                fields = f.read().rpartition(')')[2].split()
        except OSError:  # it ended meanwhile
            continue
        if fields and fields[0] != 'Z':
            parents[int(entry)] = int(fields[1])
    return parents


def _has_tag(pid: int, tag: bytes) -> bool:
    try:
        with open(f'/proc/{pid}/environ', 'rb') as f:
            return tag in f.read().split(b'\0')
    except OSError:  # ended, or not ours to read
        return False


def command_processes(root: int, tag: str) -> Set[int]:
    """The live processes of one command: ``root``, its descendants, and
    every process that carries the command's tag in its environment."""
    parents = _process_table()
    children: Dict[int, List[int]] = {}
    for pid, parent in parents.items():
        children.setdefault(parent, []).append(pid)
    found, todo = set(), [root] if root in parents else []
    while todo:
        pid = todo.pop()
        found.add(pid)
        todo += children.get(pid, [])
    marker = f'{TAG_VARIABLE}={tag}'.encode()
    found |= {pid for pid in parents if _has_tag(pid, marker)}
    found.discard(os.getpid())
    return found


def _signal(group: int, pids, sig) -> None:
    """Send ``sig`` to a process group and to each of ``pids``."""
    for send, target in [(os.killpg, group)] + [(os.kill, p) for p in pids]:
        try:
            send(target, sig)
        except (ProcessLookupError, PermissionError):
            pass


def stop_command(process: subprocess.Popen, tag: str, grace: float) -> None:
    """End a command and everything it started: SIGTERM to its process
    group and to each of its processes, up to ``grace`` seconds for them to
    exit, then SIGKILL to whatever is left, in whatever session it is."""
    _signal(process.pid, command_processes(process.pid, tag), signal.SIGTERM)
    end = time.monotonic() + grace
    while time.monotonic() < end:
        process.poll()  # reaps the command itself once it exits
        if not command_processes(process.pid, tag):
            break
        time.sleep(0.1)
    # Scanned again, not the first list: a process id that ended since may
    # be another program's now, and what the first signal made them start
    # is theirs too.
    _signal(process.pid, command_processes(process.pid, tag), signal.SIGKILL)
    try:
        process.wait(timeout=grace)
    except subprocess.TimeoutExpired:  # unkillable (stuck in the kernel)
        pass


class Runner:
    """Run steps in order against a deadline, logging every command.

    Args:
        deadline (Deadline): When the whole run must end.
        log_path (str): Every command and its output are appended here.
        write_report (Callable): Called with the steps after each one.
        min_limit (float): A step that would get less time than this is
            skipped instead. Defaults to 5.
        grace (float): Seconds a command gets to exit after SIGTERM at its
            limit, before SIGKILL. Defaults to 5.
    """

    def __init__(self,
                 deadline: Deadline,
                 log_path: str,
                 write_report: Callable[[List[Step]], None],
                 min_limit: float = 5.,
                 grace: float = 5.):
        self.deadline = deadline
        self.log_path = log_path
        self.write_report = write_report
        self.min_limit = min_limit
        self.grace = grace
        self.steps: List[Step] = []
        self._current: Optional[Step] = None
        self._step_end = 0.
        self._commands = itertools.count()

    def log(self, text: str) -> None:
        with open(self.log_path, 'a') as f:
            f.write(text if text.endswith('\n') else text + '\n')

    def step(self, name: str, title: str, limit: float,
             body: Callable[[Step], None]) -> Step:
        """Run ``body(step)`` within ``limit`` seconds (or what is left).

        ``body`` runs commands with :meth:`run`, fills ``step.summary`` and
        ``step.results``, and raises :class:`StepFailed` to fail or
        :class:`StepSkipped` to skip. The step passes if ``body`` returns,
        times out if a command hit the limit, and fails on
        :class:`StepFailed` or any other exception.
        """
        step = Step(name, title, limit=min(limit, self.deadline.left()))
        self.steps.append(step)
        if step.limit < self.min_limit:
            step.summary = (f'skipped for budget: {step.limit:.0f} s of the '
                            'run\'s budget left, too little to start')
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
        except StepSkipped as error:
            step.status = SKIPPED
            step.summary = str(error)
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

        The output goes to a file, not a pipe: a process that outlives the
        command cannot hold the runner up by keeping a pipe open.

        Raises:
            subprocess.TimeoutExpired: At the limit, after stopping every
                process of the command (:func:`stop_command`).
        """
        command = [str(part) for part in command]
        self._current.commands.append(_quote(command))
        self.log(f'$ {_quote(command)}')
        seconds = self.time_left() if limit is None else min(
            limit, self.time_left())
        tag = f'{os.getpid()}-{next(self._commands)}'
        full_env = dict(
            os.environ,
            PYTHONUNBUFFERED='1',
            **{TAG_VARIABLE: tag},
            **(env or {}))
        with tempfile.TemporaryFile() as output_file:
            process = subprocess.Popen(
                command,
                cwd=cwd,
                env=full_env,
                stdin=subprocess.DEVNULL,
                stdout=output_file,
                stderr=subprocess.STDOUT,
                start_new_session=True)
            try:
                process.wait(timeout=seconds)
                timed_out = False
            except subprocess.TimeoutExpired:
                timed_out = True
            # Also after a normal exit: what it left running (a daemon, a
            # worker) would hold the GPU for the steps after it.
            left = command_processes(process.pid, tag)
            if timed_out or left:
                stop_command(process, tag, self.grace)
            output_file.seek(0)
            output = output_file.read().decode(errors='replace')
        self.log(output)
        if timed_out:
            self.log(f'(stopped at its limit of {seconds:.0f} s)')
            raise subprocess.TimeoutExpired(command, seconds, output)
        if left:
            self.log(f'(stopped {len(left)} process(es) it left running)')
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
    """``'passed'`` if no step failed or timed out and at least one passed
    (steps skipped for budget are reported, not failures), else
    ``'failed'``."""
    statuses = {s.status for s in steps}
    return PASSED if PASSED in statuses and not statuses & {FAILED, TIMEOUT
                                                            } else FAILED


def _mark(met: Optional[bool]) -> str:
    return {True: 'met', False: 'NOT met', None: 'not measured'}[met]


def format_markdown(meta: dict, steps: List[Step],
                    targets: List[Target]) -> str:
    """The report: the run, the targets, then every step."""
    lines = [
        f'# GPU acceptance: {overall_status(steps)}', '',
        f'{meta["date"]}, {meta["mode"]} run on {meta["machine"]}; '
        f'{meta["software"]}; {meta["seconds"]:.0f} s of a '
        f'{meta["budget"]:.0f} s budget.', '', 'Steps: ' +
        ', '.join(f'{count} {status}'
                  for status, count in Counter(s.status
                                               for s in steps).items()) + '.',
        '', '## Targets', '', '| target | measured | result | note |',
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
