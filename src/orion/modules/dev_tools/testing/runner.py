"""Running pytest in a subprocess: one collection (a path, narrowed by a marker or a
keyword), within a time limit, with its progress as it goes and its JUnit XML read after.

The subprocess is `sys.executable -m pytest <path> -p no:cacheprovider --junitxml=<tmp> -q`
in its own process group. Past the time limit the group gets SIGINT (pytest stops and
still writes the report of what ran), then SIGKILL if it has not ended within a few seconds;
the run is `timed_out`. Progress comes from a small plugin loaded into that pytest
(`testing.plugin`): the number of tests collected, then each test done.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from orion.modules.dev_tools.testing import junit
from orion.modules.dev_tools.testing.plugin import PROGRESS_FILE

PLUGIN = "orion.modules.dev_tools.testing.plugin"
GRACE_SECONDS = 5.0  # after SIGINT, before SIGKILL
POLL_SECONDS = 0.1

Progress = Callable[[int, int | None], None]  # (done, total or None while collecting)


@dataclass(frozen=True)
class RunRequest:
    path: Path
    cwd: Path
    marker: str | None = None
    keyword: str | None = None
    time_limit_seconds: float = 1800
    max_output_chars: int = 50_000


@dataclass
class RunOutcome:
    state: str  # passed, failed, error, timed_out
    exit_code: int | None
    results: list[junit.CaseResult] = field(default_factory=list)
    total: int | None = None
    output: str = ""
    duration_ms: int = 0
    error: str | None = None

    def count(self, outcome: str) -> int:
        return sum(1 for result in self.results if result.outcome == outcome)


def command(request: RunRequest, report: Path) -> list[str]:
    argv = [
        sys.executable,
        "-m",
        "pytest",
        str(request.path),
        "-p",
        "no:cacheprovider",
        "-p",
        PLUGIN,
        f"--junitxml={report}",
        "-o",
        "junit_family=xunit1",
        "-o",
        "junit_logging=all",
        "-q",
    ]
    if request.marker:
        argv += ["-m", request.marker]
    if request.keyword:
        argv += ["-k", request.keyword]
    return argv


class _Output:
    """The subprocess's output, kept to a bounded head and tail."""

    def __init__(self, limit: int) -> None:
        self.half = max(limit // 2, 1)
        self.head: list[str] = []
        self.head_size = 0
        self.tail: list[str] = []
        self.tail_size = 0
        self.dropped = 0

    def add(self, line: str) -> None:
        if self.head_size < self.half:
            self.head.append(line)
            self.head_size += len(line)
            return
        self.tail.append(line)
        self.tail_size += len(line)
        while self.tail_size > self.half and len(self.tail) > 1:
            gone = self.tail.pop(0)
            self.tail_size -= len(gone)
            self.dropped += len(gone)

    def text(self) -> str:
        middle = [f"\n... ({self.dropped} characters left out) ...\n"] if self.dropped else []
        return "".join([*self.head, *middle, *self.tail])


def run_pytest(request: RunRequest, *, progress: Progress | None = None) -> RunOutcome:
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="orion-dev-tools-") as folder:
        report = Path(folder) / "junit.xml"
        progress_file = Path(folder) / "progress.jsonl"
        progress_file.touch()
        env = {**os.environ, PROGRESS_FILE: str(progress_file), "PYTHONUNBUFFERED": "1"}
        process = subprocess.Popen(
            command(request, report),
            cwd=request.cwd,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            text=True,
            errors="replace",
            start_new_session=True,  # its own process group, stopped as one
        )
        output = _Output(request.max_output_chars)
        reader = threading.Thread(target=_read, args=(process, output), daemon=True)
        reader.start()
        deadline = time.monotonic() + request.time_limit_seconds
        watcher = _ProgressWatcher(progress_file, progress)
        timed_out = False
        while process.poll() is None:
            watcher.poll()
            if time.monotonic() >= deadline:
                timed_out = True
                _stop(process)
                break
            time.sleep(POLL_SECONDS)
        process.wait()
        reader.join(timeout=5)
        watcher.poll()
        results: list[junit.CaseResult] = []
        error = None
        if report.is_file():
            try:
                results = junit.parse(report, limit=max(request.max_output_chars // 10, 1000))
            except Exception as exc:  # a report cut off by the kill
                error = f"the JUnit report could not be read: {exc}"
    code = process.returncode
    if timed_out:
        state = "timed_out"
        error = f"stopped after its time limit of {request.time_limit_seconds:g} s"
    elif code == 0:
        state = "passed"
    elif code == 1:
        state = "failed"
    else:
        state = "error"
        error = error or _exit_reason(code)
    return RunOutcome(
        state=state,
        exit_code=code,
        results=results,
        total=watcher.total if watcher.total is not None else len(results) or None,
        output=output.text(),
        duration_ms=int((time.perf_counter() - started) * 1000),
        error=error,
    )


def _exit_reason(code: int | None) -> str:
    return {
        2: "pytest was interrupted (a collection error?)",
        3: "pytest met an internal error",
        4: "pytest was called wrongly (a bad marker or keyword expression?)",
        5: "no tests were collected",
    }.get(code or 0, f"pytest exited with {code}")


def _read(process: subprocess.Popen[str], output: _Output) -> None:
    assert process.stdout is not None
    for line in process.stdout:
        output.add(line)


def _stop(process: subprocess.Popen[str]) -> None:
    """SIGINT to the group (pytest writes its report), then SIGKILL after a grace period."""
    for sig, wait in ((signal.SIGINT, GRACE_SECONDS), (signal.SIGKILL, GRACE_SECONDS)):
        try:
            if hasattr(os, "killpg"):
                os.killpg(process.pid, sig)
            else:  # pragma: no cover - not POSIX
                process.kill()
        except ProcessLookupError:
            return
        try:
            process.wait(timeout=wait)
            return
        except subprocess.TimeoutExpired:
            continue


class _ProgressWatcher:
    def __init__(self, path: Path, callback: Progress | None) -> None:
        self.path = path
        self.callback = callback
        self.offset = 0
        self.total: int | None = None
        self.done = 0

    def poll(self) -> None:
        try:
            with self.path.open("r", encoding="utf-8") as stream:
                stream.seek(self.offset)
                chunk = stream.read()
        except OSError:
            return
        complete, _, _rest = chunk.rpartition("\n")
        if not complete:
            return
        self.offset += len(complete.encode("utf-8")) + 1
        changed = False
        for line in complete.splitlines():
            try:
                record = json.loads(line)
            except ValueError:
                continue
            if "collected" in record:
                self.total = int(record["collected"])
                changed = True
            if "done" in record:
                self.done = max(self.done, int(record["done"]))
                changed = True
        if changed and self.callback is not None:
            self.callback(self.done, self.total)


def current_commit(cwd: Path) -> str | None:
    """`git rev-parse HEAD` where the tests run, or None outside a repository."""
    try:
        result = subprocess.run(
            ["git", "rev-parse", "HEAD"],
            cwd=cwd,
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    commit = result.stdout.strip()
    return commit if result.returncode == 0 and commit else None
