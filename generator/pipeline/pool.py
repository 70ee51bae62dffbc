"""Bounded worker processes: every check gets a time limit and a memory cap.

Each worker imports SymPy once and then takes checks one at a time. Inside a
worker a SIGALRM deadline interrupts runaway SymPy calls (:class:`check.Deadline`);
if a worker still overruns (a long call in C), the pool kills it, records a
*timeout*, and starts a fresh worker. ``RLIMIT_AS`` caps a worker's memory so a
hostile expression ends as *rejected* instead of exhausting the machine.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import signal
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from multiprocessing.connection import Connection, wait
from multiprocessing.reduction import ForkingPickler
from typing import Any

from ..core import verdicts as V
from ..core.verdicts import Verdict

HARD_MARGIN = 3.0


@dataclass(frozen=True, slots=True)
class Task:
    key: str
    context: dict[str, Any]
    check: dict[str, Any]
    group: str = ""
    """Tasks of one group (a page's) share a worker's memos: the pool keeps them together."""


def _limit_memory(megabytes: int) -> None:
    if megabytes <= 0:
        return
    import resource

    limit = megabytes * 1024 * 1024
    with contextlib.suppress(ValueError, OSError):
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


def _worker_main(conn: Connection, memory_mb: int, settings: Any) -> None:
    _limit_memory(memory_mb)
    from ..checker.collector import set_aside_what_was_imported
    from ..checker.worker import run_check

    set_aside_what_was_imported()

    conn.send(("ready", None, time.monotonic()))
    while True:
        try:
            message = conn.recv()
        except (EOFError, KeyboardInterrupt):
            return
        if message is None:
            return
        key, context, check = message
        try:
            verdict = run_check(context, check, settings)
        except MemoryError:
            verdict = Verdict(
                V.REJECTED, "memory", f"the check exceeded the {memory_mb} MB memory limit"
            )
        # When it answered: the task waiting in its pipe begins now (the clock is the
        # machine's, the same in every process).
        conn.send((key, verdict.to_json(), time.monotonic()))


@dataclass
class _Worker:
    process: Any
    conn: Connection
    ready: bool = False
    queue: deque[Task] = field(default_factory=deque)
    """The tasks sent to this worker and not yet answered, the one it is on first."""
    started: float = 0.0
    """When the worker began the first task of its queue."""
    group: str | None = None
    """The group of the last task this worker took."""


QUEUED = 2
"""Tasks sent to a worker at a time: the next one waits in its pipe, so the worker goes on
without waiting for this process to read its verdict and send it more (this process is
also MkDocs, converting pages meanwhile)."""

QUEUED_BYTES = 4 * 1024
"""A task is sent ahead only if it surely fits in the pipe's buffer whole (8 KiB on some
systems): a send that blocked while the worker is busy would keep this process from
enforcing the time limit. This site's tasks are 0.4–2.3 kB."""


_STARTING = threading.Lock()
"""Held while a worker starts (see :func:`_without_the_main_module`)."""


@contextlib.contextmanager
def _without_the_main_module() -> Iterator[None]:
    """Workers started meanwhile are not told the command's main module. A worker needs none
    of it (its target and arguments are found by their modules' names), but told it, each
    worker would run that module again before its first check: for ``derivations`` (or
    ``python -m generator.cli``), click and every command's definition, 0.05-0.09 s on the
    path of a cold build. One thread at a time (under ``serve`` a failed build's check thread
    may still be starting workers when the next build's starts)."""
    from multiprocessing import spawn

    with _STARTING:
        told = spawn.get_preparation_data

        def without_main(name: str) -> dict[str, Any]:
            data = told(name)
            data.pop("init_main_from_name", None)
            data.pop("init_main_from_path", None)
            return data

        spawn.get_preparation_data = without_main
        try:
            yield
        finally:
            spawn.get_preparation_data = told


class WorkerError(RuntimeError):
    """The pool cannot run checks at all (workers die on start)."""


class WorkerPool:
    """Runs tasks on up to ``processes`` workers with per-task time limits."""

    def __init__(self, processes: int, settings: Any, memory_mb: int = 2048) -> None:
        self.startup_failures = 0
        self.processes = max(1, processes)
        self.settings = settings
        self.memory_mb = memory_mb
        self.hard_limit = settings.timeout * 1.5 + HARD_MARGIN
        self.context = _start_context()

    def _spawn(self) -> _Worker:
        parent, child = self.context.Pipe()
        process = self.context.Process(
            target=_worker_main, args=(child, self.memory_mb, self.settings), daemon=True
        )
        with _without_the_main_module():
            process.start()
        child.close()
        return _Worker(process, parent)

    def run(
        self, tasks: Iterable[Task], progress: Callable[[Task, Verdict], None] | None = None
    ) -> dict[str, Verdict]:
        pending = _Pending(tasks)
        results: dict[str, Verdict] = {}
        if not pending:
            return results
        workers = [self._spawn() for _ in range(min(self.processes, len(pending)))]
        try:
            while pending or any(w.queue for w in workers):
                self._dispatch(workers, pending)
                ready = wait([w.conn for w in workers], timeout=0.2)
                for worker in list(workers):
                    if worker.conn in ready:
                        self._receive(worker, pending, results, progress, workers)
                self._enforce_limits(workers, pending, results, progress)
        finally:
            for worker in workers:
                self._stop(worker)
        return results

    def _dispatch(self, workers: list[_Worker], pending: _Pending) -> None:
        for worker in workers:
            while worker.ready and pending and len(worker.queue) < self._depth(workers, pending):
                others = {w.group for w in workers if w is not worker}
                task = pending.next(worker.group, others)
                message = bytes(ForkingPickler.dumps((task.key, task.context, task.check)))
                if worker.queue and len(message) > QUEUED_BYTES:
                    break
                pending.take(worker.group, others)
                try:
                    worker.conn.send_bytes(message)
                except OSError:
                    # It died after its last answer: the task goes back, and reading its end
                    # of the pipe rejects the task it died on and replaces it.
                    pending.put_back(task)
                    break
                if not worker.queue:
                    worker.started = time.monotonic()
                worker.queue.append(task)
                worker.group = task.group

    @staticmethod
    def _depth(workers: list[_Worker], pending: _Pending) -> int:
        # Near the end, a task sent ahead could wait behind a long one while another worker
        # has nothing to do.
        return QUEUED if len(pending) > len(workers) else 1

    def _receive(
        self,
        worker: _Worker,
        pending: _Pending,
        results: dict[str, Verdict],
        progress: Callable[[Task, Verdict], None] | None,
        workers: list[_Worker],
    ) -> None:
        try:
            key, data, answered = worker.conn.recv()
        except (EOFError, OSError):
            if not worker.ready:
                self.startup_failures += 1
                if self.startup_failures > 3:
                    raise WorkerError(
                        "worker processes fail to start; see the messages above"
                    ) from None
            if worker.queue:
                verdict = Verdict(
                    V.REJECTED,
                    "worker",
                    f"the check ended its worker process (memory limit {self.memory_mb} MB?)",
                )
                self._finish(worker.queue.popleft(), verdict, results, progress)
            self._replace(worker, workers, pending)
            return
        if key == "ready":
            worker.ready = True
            return
        if worker.queue and worker.queue[0].key == key:
            task = worker.queue.popleft()
            worker.started = answered  # the worker went on with the next one then
            self._finish(task, Verdict.from_json(data), results, progress)

    def _enforce_limits(
        self,
        workers: list[_Worker],
        pending: _Pending,
        results: dict[str, Verdict],
        progress: Callable[[Task, Verdict], None] | None,
    ) -> None:
        now = time.monotonic()
        for worker in list(workers):
            if worker.queue and now - worker.started > self.hard_limit:
                task = worker.queue.popleft()
                verdict = Verdict(
                    V.TIMEOUT,
                    "time limit",
                    f"no decision within {self.settings.timeout:g} s (worker stopped)",
                    seconds=round(now - worker.started, 3),
                )
                self._finish(task, verdict, results, progress)
                self._replace(worker, workers, pending)

    def _finish(
        self,
        task: Task,
        verdict: Verdict,
        results: dict[str, Verdict],
        progress: Callable[[Task, Verdict], None] | None,
    ) -> None:
        results[task.key] = verdict
        if progress is not None:
            progress(task, verdict)

    def _replace(self, worker: _Worker, workers: list[_Worker], pending: _Pending) -> None:
        """A fresh worker for one that died or overran; the tasks waiting in its pipe go back
        to the pending ones (they never started)."""
        for task in reversed(worker.queue):
            pending.put_back(task)
        self._stop(worker, kill=True)
        workers[workers.index(worker)] = self._spawn()

    def _stop(self, worker: _Worker, kill: bool = False) -> None:
        try:
            if not kill and worker.process.is_alive():
                worker.conn.send(None)
                worker.process.join(timeout=1)
        except (OSError, BrokenPipeError):
            pass
        if worker.process.is_alive():
            worker.process.kill()
            worker.process.join(timeout=2)
        worker.conn.close()


class _Pending:
    """The tasks not yet given out, by group, groups in the order they first appear."""

    def __init__(self, tasks: Iterable[Task]) -> None:
        self.groups: dict[str, deque[Task]] = {}
        self.count = 0
        for task in tasks:
            self.groups.setdefault(task.group, deque()).append(task)
            self.count += 1

    def __len__(self) -> int:
        return self.count

    def next(self, group: str | None, others: set[str | None]) -> Task:
        """The task :meth:`take` would give out now, left where it is."""
        chosen, from_end = self._choice(group, others)
        queue = self.groups[chosen]
        return queue[-1] if from_end else queue[0]

    def take(self, group: str | None, others: set[str | None]) -> Task:
        """The task a free worker takes: the next one of its own group (a page's checks share
        the worker's memos: its derivatives, reductions, sums); else the first of a group no
        other worker is on; else the last of the group with the most left (from its end, so
        that the worker on it goes on in order)."""
        chosen, from_end = self._choice(group, others)
        queue = self.groups[chosen]
        task = queue.pop() if from_end else queue.popleft()
        if not queue:
            del self.groups[chosen]
        self.count -= 1
        return task

    def _choice(self, group: str | None, others: set[str | None]) -> tuple[str, bool]:
        """The group to take from, and whether from its end."""
        if group is not None and group in self.groups:
            return group, False
        fresh = next((g for g in self.groups if g not in others), None)
        if fresh is not None:
            return fresh, False
        return max(self.groups, key=lambda g: len(self.groups[g])), True

    def put_back(self, task: Task) -> None:
        """A task given out but never started (it waited behind one that ended its worker):
        first in line again, in its group."""
        queue = self.groups.pop(task.group, deque())
        queue.appendleft(task)
        self.groups = {task.group: queue, **self.groups}
        self.count += 1


SYMPY_CACHE_SIZE = 10_000

PRELOAD = [
    "generator.checker.collector",
    "generator.checker.worker",
    "generator.checker.drawing",
    "numpy",
]
"""What the fork server imports before it forks any worker (the collector's settings first,
so that the imports after it run with them)."""
WARM_UP = "generator.checker.preload"
"""Imported too by a fork server started early (every check will run, or ``serve``): what
SymPy and NumPy load on first use, once for all workers. A build that checks a few claims
would wait for it (0.3 s) and use little of it."""


def _start_context(warm: bool = False) -> Any:
    """How workers start: forked from a server that imported the checker once."""
    # Same input, same output: workers iterate sets in a fixed hash order (the fork server
    # reads this when it starts, and its workers inherit it).
    os.environ.setdefault("PYTHONHASHSEED", "0")
    # SymPy's caches hold 1,000 results per function by default; a page's checks rebuild
    # the same sums and products more often than that (10,000: 3 % less checking time for
    # 9 MB more per worker on this site). Read once, when the fork server imports SymPy.
    os.environ.setdefault("SYMPY_CACHE_SIZE", str(SYMPY_CACHE_SIZE))
    if "forkserver" not in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("spawn")
    context = multiprocessing.get_context("forkserver")
    # Import SymPy once in the fork server; each worker then starts in milliseconds.
    # NumPy and the plotting module too: every page's draw job needs them. (A fork server
    # that is already running keeps the preload it started with.)
    context.set_forkserver_preload([*PRELOAD, WARM_UP] if warm else PRELOAD)
    return context


def start_early() -> None:
    """Start the fork server now, without waiting for it: it imports SymPy (half a second)
    while this process goes on reading sources, instead of after. For a build that will
    check many claims (the first one, with an empty cache), or for ``serve``; such a fork
    server also warms up (:data:`WARM_UP`)."""
    if _start_context(warm=True).get_start_method() == "forkserver":
        from multiprocessing import forkserver

        forkserver.ensure_running()


def stop_fork_server() -> None:
    """End the fork server at once, if this process started one. Left to itself it would
    notice the build's end, then free SymPy and NumPy object by object (0.15 s) while it
    still holds the command's stdout and stderr, so that whoever reads them (a CI log, a
    pipe, ``subprocess.run``) waits for it. Its workers were stopped with their pool."""
    from multiprocessing import forkserver

    pid = getattr(getattr(forkserver, "_forkserver", None), "_forkserver_pid", None)
    if isinstance(pid, int) and pid > 0:
        with contextlib.suppress(OSError):
            os.kill(pid, signal.SIGTERM)  # unhandled there: the process ends, no teardown


def default_processes() -> int:
    return max(1, min(os.cpu_count() or 1, 8))
