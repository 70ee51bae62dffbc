"""The pool's order of work: a page's checks stay with one worker, and no worker idles while
tasks are left; a task sent ahead to a worker is never lost."""

from __future__ import annotations

import multiprocessing
import os
import subprocess
import sys
import time
from pathlib import Path

from generator.core import verdicts as V
from generator.core.settings import CheckSettings
from generator.core.verdicts import Verdict
from generator.pipeline.pool import QUEUED_BYTES, Task, WorkerPool, _Pending, _Worker
from generator.pipeline.verdictcache import VerdictCache
from generator.source.load import load_source

from .helpers import run_python

FIXTURE = Path(__file__).parent / "fixtures" / "good" / "yaml11.yaml"


def _tasks(*groups: tuple[str, int]) -> list[Task]:
    return [Task(f"{g}{n}", {}, {}, g) for g, count in groups for n in range(count)]


def test_a_worker_goes_on_with_its_own_page_before_starting_another():
    pending = _Pending(_tasks(("a", 3), ("b", 2)))
    first = pending.take(None, {None})
    assert first.key == "a0"
    second = pending.take(None, {"a"})  # the other worker starts a page nobody is on
    assert second.key == "b0"
    assert pending.take("a", {"b"}).key == "a1"
    assert pending.take("a", {"b"}).key == "a2"
    assert len(pending) == 1


def test_when_every_page_is_taken_a_free_worker_takes_from_the_end_of_the_longest():
    pending = _Pending(_tasks(("a", 4), ("b", 1)))
    assert pending.take(None, {None}).key == "a0"
    assert pending.take(None, {"a"}).key == "b0"
    # b is done; its worker helps with a from the far end, while a's worker goes on in order.
    assert pending.take("b", {"a"}).key == "a3"
    assert pending.take("a", {"a"}).key == "a1"
    assert pending.take("a", {"a"}).key == "a2"
    assert len(pending) == 0


def test_every_task_is_given_out_exactly_once():
    tasks = _tasks(("a", 5), ("b", 3), ("c", 7), ("", 2))
    pending = _Pending(tasks)
    groups: list[str | None] = [None, None, None]
    taken = []
    while len(pending):
        for w in range(3):
            if not len(pending):
                break
            others = {g for v, g in enumerate(groups) if v != w}
            upcoming = pending.next(groups[w], others)
            task = pending.take(groups[w], others)
            assert task is upcoming
            groups[w] = task.group
            taken.append(task.key)
    assert sorted(taken) == sorted(t.key for t in tasks)


def test_a_task_put_back_is_the_next_one_given_out():
    pending = _Pending(_tasks(("a", 2), ("b", 1)))
    a0 = pending.take(None, {None})
    b0 = pending.take(None, {"a"})
    pending.put_back(b0)  # its worker died before starting it
    assert len(pending) == 2
    assert pending.take(None, {"a"}).key == "b0"
    pending.put_back(a0)
    assert pending.take("a", set()).key == "a0"
    assert pending.take("a", set()).key == "a1"
    assert len(pending) == 0


def _sent(tasks: int, workers: int, size: int = 0) -> int:
    """How many tasks one ready worker is sent at once, with ``tasks`` pending (each carrying
    ``size`` bytes of declarations)."""
    parent, child = multiprocessing.Pipe()
    worker = _Worker(None, parent, ready=True)
    pool = WorkerPool(workers, CheckSettings())
    others = [_Worker(None, parent) for _ in range(workers - 1)]  # not ready: sent nothing
    padded = [Task(t.key, {"pad": "x" * size}, t.check, t.group) for t in _tasks(("a", tasks))]
    pool._dispatch([worker, *others], _Pending(padded))
    received = 0
    while child.poll():
        child.recv()
        received += 1
    parent.close()
    child.close()
    assert received == len(worker.queue)
    return received


def test_a_worker_is_sent_its_next_task_ahead_except_near_the_end():
    assert _sent(tasks=10, workers=2) == 2  # the next one waits in its pipe
    assert _sent(tasks=2, workers=2) == 1  # it could wait there while the other worker idles
    # One that might not fit in the pipe's buffer whole is not sent ahead: the send could
    # block while the worker is busy, and with it the time limit.
    assert _sent(tasks=10, workers=2, size=QUEUED_BYTES) == 1


class _EndsItsWorker:
    """Unpickled in a worker, this ends the worker at once, as a crash would."""

    def __reduce__(self) -> tuple[object, tuple[int]]:
        return (os._exit, (3,))


def _tasks_around_a_crash() -> tuple[list[Task], Task]:
    source, diagnostics = load_source(FIXTURE.read_text(encoding="utf-8"), FIXTURE.name)
    assert source is not None, diagnostics
    specs = [spec for display in source.displays for spec in display.checks][:3]
    good = [Task(f"good{k}", source.context, spec.payload(), "g") for k, spec in enumerate(specs)]
    return good, Task("crash", source.context, {"kind": _EndsItsWorker()}, "g")


def _assert_only_the_crash_is_rejected(verdicts: dict[str, Verdict], good: list[Task]) -> None:
    assert verdicts["crash"].status == V.REJECTED and verdicts["crash"].method == "worker"
    assert set(verdicts) == {"crash", *(t.key for t in good)}
    for task in good:
        assert verdicts[task.key].passed, verdicts[task.key]


def test_tasks_sent_ahead_to_a_worker_that_dies_are_run_by_the_next_one():
    good, crash = _tasks_around_a_crash()
    verdicts = WorkerPool(1, CheckSettings(timeout=20)).run([crash, *good])
    _assert_only_the_crash_is_rejected(verdicts, good)  # the first good one waited behind it


def test_a_worker_that_died_after_its_last_answer_is_not_sent_more():
    """The worker answers, dies on the task waiting in its pipe, and only then does this
    process, slow to read the answer, send it the next one: that send fails."""
    good, crash = _tasks_around_a_crash()

    def slow(task: Task, verdict: Verdict) -> None:
        if task.key == "good0":
            time.sleep(0.5)  # the worker reads the crash meanwhile

    verdicts = WorkerPool(1, CheckSettings(timeout=20)).run([good[0], crash, *good[1:]], slow)
    _assert_only_the_crash_is_rejected(verdicts, good)


PROBE = """
import sys
from pathlib import Path
from multiprocessing import forkserver
from generator.pipeline.earlystart import start_checkers_if_cold
start_checkers_if_cold(Path(sys.argv[1]))
print(forkserver._forkserver._forkserver_pid is not None)
"""


def _fork_server_started(cache: Path) -> bool:
    done = subprocess.run(
        [sys.executable, "-c", PROBE, str(cache)], capture_output=True, text=True, check=True
    )
    return done.stdout.strip() == "True"


def test_the_fork_server_starts_early_only_when_every_check_will_run(tmp_path):
    assert _fork_server_started(tmp_path / "never-written")
    (tmp_path / "ab").mkdir()  # the one-file-per-verdict layout before the database
    assert _fork_server_started(tmp_path)  # holds nothing this code reads
    cache = VerdictCache(tmp_path)
    cache.put("ab" + "0" * 62, Verdict("proven", "cancel"))
    cache.close()  # one stored verdict: a warm build starts nothing
    assert not _fork_server_started(tmp_path)


STOP_PROBE = """
import os, time
from multiprocessing import forkserver
from generator.core.settings import CheckSettings
from generator.core.verdicts import Verdict
from generator.pipeline.pool import Task, WorkerPool, start_early, stop_fork_server
start_early()
pid = forkserver._forkserver._forkserver_pid
stop_fork_server()
for _ in range(100):  # ended (not reaped: multiprocessing reaps it, and starts a new one)
    if os.waitid(os.P_PID, pid, os.WEXITED | os.WNOHANG | os.WNOWAIT) is not None:
        break
    time.sleep(0.01)
else:
    raise SystemExit("the fork server is still running")
# A pool started afterwards gets a new fork server and runs as before.
task = Task("k", {"symbols": {}}, {"kind": "nothing"}, "g")
verdicts = WorkerPool(1, CheckSettings(timeout=5)).run([task])
print(sorted(verdicts))
"""


def test_the_fork_server_ends_at_once_when_asked_and_a_new_one_starts_after():
    """At the command's end the fork server is stopped, not left to tear SymPy down while it
    holds the command's output open; the name it is found by is CPython's, so this also
    catches a CPython that renamed it."""
    done = run_python(STOP_PROBE, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "['k']"


MAIN_SCRIPT = """
if __name__ != "__main__":  # run again, as __mp_main__, in a worker
    print("the command's main module ran in a worker", flush=True)
else:
    from generator.core.settings import CheckSettings
    from generator.pipeline.pool import Task, WorkerPool

    tasks = [Task(f"k{i}", {"symbols": {}}, {"kind": "nothing"}, f"g{i}") for i in range(2)]
    print(sorted(WorkerPool(2, CheckSettings(timeout=5)).run(tasks)))
"""


def test_workers_do_not_run_the_commands_main_module_again(tmp_path):
    """A worker needs nothing of the command that started it; running its main module again
    (for `derivations`, click and every command) delayed each worker's first check."""
    script = tmp_path / "command.py"
    script.write_text(MAIN_SCRIPT, encoding="utf-8")
    done = subprocess.run(
        [sys.executable, str(script)],
        cwd=Path(__file__).resolve().parents[1],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "['k0', 'k1']"
