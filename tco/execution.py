"""One execution layer for batches of independent solves: inline, a local process pool, or Dask.

The analysis (strategy comparison, break-evens, curves), the Monte Carlo and the sweeps of the
sensitivity all hand this layer a *context* (what every task needs: the scenario, its catalog
data, a plan) once, then many small tasks `fn(context, *args)`. Where the tasks run:

- `jobs=1`: inline, in this process (tests, debugging, one CPU).
- `jobs>1`: a local process pool (`fork` where available); each worker receives the context
  once, when it starts.
- `scheduler="tcp://HOST:8786"` (or the environment variable TCO_DASK_SCHEDULER): a Dask
  distributed cluster; the context is scattered to every worker once and each task is sent
  with its arguments only. A `distributed.Client` or a `LocalCluster` may be passed instead of
  an address (tests, benchmarks).

Workers keep what they build (a live model re-solved in place, see `tco.model.Replanner`) in
`worker_cache()`, a dictionary private to the worker process and thread, so a task never
shares a HiGHS instance with another task running at the same time.

`Pool.map` returns results in the order of its arguments; `Pool.as_completed` yields
(index, result) pairs as tasks finish, for streaming results to disk.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterator, Sequence
from typing import Any

SCHEDULER_ENV = "TCO_DASK_SCHEDULER"

_CONTEXT: Any = None
"""In a local pool worker: the context it was started with."""
_CACHES: dict[tuple[int, int], dict] = {}


def worker_cache() -> dict:
    """A dictionary private to this process and thread, kept between tasks."""
    return _CACHES.setdefault((os.getpid(), threading.get_ident()), {})


def default_jobs() -> int:
    """Worker processes by default: the CPU count."""
    return os.cpu_count() or 1


def scheduler_from_env(given: str | None) -> str | None:
    """The scheduler address given, else TCO_DASK_SCHEDULER's, else None (local)."""
    return given or os.environ.get(SCHEDULER_ENV) or None


def _init(context: Any) -> None:
    global _CONTEXT
    # Ctrl-C reaches the whole process group: the parent alone handles it and ends the workers;
    # SIGTERM ends a worker at once (a forked worker would inherit `tco run`'s handler).
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    _CONTEXT = context


def _call_local(fn: Callable, args: tuple) -> Any:
    return fn(_CONTEXT, *args)


def _call_dask(fn: Callable, context: Any, args: tuple) -> Any:
    return fn(context, *args)


def _noop() -> None:
    return None


class Pool:
    """Run `fn(context, *args)` tasks inline, in local processes or on a Dask cluster."""

    def __init__(self, context: Any, jobs: int | None = None, scheduler: Any = None):
        self.context = context
        self.jobs = max(1, jobs if jobs is not None else default_jobs())
        self.scheduler = scheduler_from_env(scheduler) if isinstance(scheduler, (str, type(
            None))) else scheduler
        self._pool = None
        self._client = None
        self._own_client = False
        self._ctx_future = None

    @property
    def kind(self) -> str:
        """inline | processes | dask."""
        if self.scheduler is not None:
            return "dask"
        return "processes" if self.jobs > 1 else "inline"

    @property
    def width(self) -> int:
        """How many tasks run at once."""
        if self._client is not None:
            return max(1, sum(self._client.nthreads().values()))
        return self.jobs if self._pool is not None else 1

    def __enter__(self) -> Pool:
        if self.scheduler is not None:
            self._start_dask()
        elif self.jobs > 1:
            import multiprocessing as mp
            from concurrent.futures import ProcessPoolExecutor

            ctx = mp.get_context("fork") if "fork" in mp.get_all_start_methods() else None
            self._pool = ProcessPoolExecutor(self.jobs, mp_context=ctx, initializer=_init,
                                             initargs=(self.context,))
            # start the workers now, before any progress bar's refresh thread exists
            self._pool.submit(_noop).result()
        return self

    def _start_dask(self) -> None:
        from distributed import Client

        s = self.scheduler
        if isinstance(s, Client):
            self._client = s
        elif isinstance(s, str):
            try:
                self._client = Client(s, timeout="10s")
            except OSError as e:
                from tco.errors import TcoError

                raise TcoError(f"cannot reach the Dask scheduler at {s}: {e}") from None
            self._own_client = True
        else:  # a cluster object (LocalCluster, ...)
            self._client = Client(s)
            self._own_client = True
        self._ctx_future = self._client.scatter(self.context, broadcast=True, hash=False)

    def __exit__(self, *exc) -> None:
        if self._pool is not None:
            if exc and exc[0] is not None:
                # Interrupted or failed: end the workers now rather than wait for their solves.
                for proc in list(getattr(self._pool, "_processes", {}).values()):
                    proc.terminate()
            self._pool.shutdown(cancel_futures=True)
            self._pool = None
        if self._client is not None and self._own_client:
            self._client.close()
        self._client = None

    def as_completed(self, fn: Callable, args: Sequence[tuple]) -> Iterator[tuple[int, Any]]:
        """(index into args, result) of every task, as each finishes."""
        if self._client is not None:
            from distributed import as_completed

            futures = {}
            for i, a in enumerate(args):
                f = self._client.submit(_call_dask, fn, self._ctx_future, tuple(a), pure=False)
                futures[f] = i
            try:
                for f in as_completed(futures):
                    yield futures[f], f.result()
            finally:
                for f in futures:
                    f.cancel()
            return
        if self._pool is None:
            for i, a in enumerate(args):
                yield i, fn(self.context, *a)
            return
        from concurrent.futures import as_completed as done
        from concurrent.futures.process import BrokenProcessPool

        from tco.errors import SolverError

        futures = {self._pool.submit(_call_local, fn, tuple(a)): i for i, a in enumerate(args)}
        try:
            for f in done(futures):
                try:
                    result = f.result()
                except BrokenProcessPool:
                    raise SolverError("a solver process of the analysis died (killed, or out "
                                      "of memory); no reports were written: run again, with "
                                      "fewer --jobs, or with --no-analysis") from None
                yield futures[f], result
        finally:
            for f in futures:
                f.cancel()

    def map(self, fn: Callable, args: Sequence[tuple], on_done: Callable[[], None] | None = None
            ) -> list:
        """Every task's result in the order of `args`; `on_done()` after each finishes."""
        out: list = [None] * len(args)
        for i, r in self.as_completed(fn, args):
            out[i] = r
            if on_done is not None:
                on_done()
        return out


def progress_bar(label: str, total: int, done: int = 0, console=None):
    """A rich progress bar with count, rate (per second) and ETA on a terminal; None elsewhere.

    Returns (progress, task id) for `progress.advance(task)`; the caller starts and stops it.
    """
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        ProgressColumn,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )
    from rich.text import Text

    console = console or Console(stderr=True)
    if not console.is_terminal:
        return None, None

    class Rate(ProgressColumn):
        def render(self, task) -> Text:
            speed = task.finished_speed or task.speed
            return Text("-/s" if speed is None else f"{speed:.2f}/s")

    p = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), Rate(),
                 TextColumn("ETA"), TimeRemainingColumn(), TimeElapsedColumn(),
                 console=console, transient=True)
    task = p.add_task(label, total=total, completed=done)
    return p, task


def run_tasks(pool: Pool, fn: Callable, args: Sequence[tuple], label: str = "solving",
              progress: bool = False, done: int = 0,
              on_result: Callable[[Any], None] | None = None) -> list:
    """Every task's result in the order of `args`, with a progress bar on a terminal when
    `progress` (`done` tasks counted as already finished, for a resumed run), calling
    `on_result(result)` as each finishes."""
    bar, task = progress_bar(label, len(args) + done, done) if progress else (None, None)
    out: list = [None] * len(args)
    if bar is not None:
        bar.start()
    try:
        for i, r in pool.as_completed(fn, args):
            out[i] = r
            if on_result is not None:
                on_result(r)
            if bar is not None:
                bar.advance(task)
    finally:
        if bar is not None:
            bar.stop()
    return out
