"""Executors: where a sweep's runs execute — this process, local worker processes, or Dask.

All three are `concurrent.futures.Executor`s, so the sweep driver treats them alike: one worker
runs in-process (no pool overhead); several run in a process pool started by forkserver (or
spawn), with the model preloaded; ``dask`` runs on a `distributed` cluster, a local one or the
scheduler at a given address (``Client(...).get_executor()``). Each worker process uses one BLAS
thread: one process per core already fills the machine.
"""

from __future__ import annotations

import multiprocessing as mp
import os
from collections.abc import Callable, Iterator
from concurrent.futures import Executor, Future, ProcessPoolExecutor
from contextlib import contextmanager
from typing import Any

THREAD_VARS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")
WORKERS_PER_CORE = 4  # --workers cap: more processes than this per core only adds overhead
SCHEDULER_TIMEOUT = 5  # seconds to wait for a Dask scheduler (--scheduler) to answer


class SerialExecutor(Executor):
    """Runs each submission at once in this process (one worker: no pool overhead)."""

    def submit(self, fn: Callable, /, *args: Any, **kwargs: Any) -> Future:
        """Call `fn` now and return a finished future."""
        future: Future = Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except BaseException as exc:  # noqa: BLE001 - delivered through the future
            future.set_exception(exc)
        return future


def default_workers() -> int:
    """Number of CPU cores this process may use."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count() or 1


def max_workers() -> int:
    """The largest --workers allowed: `WORKERS_PER_CORE` × the machine's CPU cores."""
    return WORKERS_PER_CORE * (os.cpu_count() or 1)


def check_workers(workers: int | None) -> int:
    """The number of workers to use: `default_workers` for None, else `workers` checked.

    Raises:
        ValueError: naming --workers and its allowed range.
    """
    if workers is None:
        return default_workers()
    cap = max_workers()
    if isinstance(workers, bool) or not isinstance(workers, int) or not 1 <= workers <= cap:
        raise ValueError(
            f"--workers must be an integer in [1, {cap}] ({WORKERS_PER_CORE} × "
            f"{os.cpu_count() or 1} CPU cores); got {workers!r}"
        )
    return workers


def check_executor(kind: str, scheduler: str | None) -> None:
    """Refuse a scheduler address without the Dask executor (it would be ignored).

    Raises:
        ValueError: naming --scheduler and --executor.
    """
    if scheduler is not None and kind != "dask":
        raise ValueError(f"--scheduler needs --executor dask (got --executor {kind})")
    if scheduler is not None and not scheduler.strip():
        raise ValueError(
            "--scheduler must be a Dask scheduler address such as tcp://HOST:8786; got ''"
            " (leave it out to start a local cluster)"
        )


@contextmanager
def open_executor(kind: str, workers: int, scheduler: str | None = None) -> Iterator[Executor]:
    """A `concurrent.futures` executor: ``local`` (processes) or ``dask`` (a cluster)."""
    if kind == "dask":
        with _dask_executor(workers, scheduler) as executor:
            yield executor
    elif workers <= 1:
        yield SerialExecutor()
    else:
        _one_blas_thread()
        method = "forkserver" if "forkserver" in mp.get_all_start_methods() else "spawn"
        ctx = mp.get_context(method)
        if method == "forkserver":
            ctx.set_forkserver_preload(["sim.model"])
        executor = ProcessPoolExecutor(max_workers=workers, mp_context=ctx)
        try:
            yield executor
        finally:  # on Ctrl-C or an error, drop what has not started yet
            executor.shutdown(wait=True, cancel_futures=True)


def _one_blas_thread() -> None:
    """One process per core: keep BLAS in the worker processes from oversubscribing."""
    for var in THREAD_VARS:
        os.environ.setdefault(var, "1")


@contextmanager
def _dask_executor(workers: int, scheduler: str | None) -> Iterator[Executor]:
    try:
        from distributed import Client, LocalCluster  # deferred: optional (the dask extra)
    except ImportError:
        raise ValueError(
            "--executor dask needs dask and distributed (pip install 'swarm-sim[dask]')"
        ) from None
    _one_blas_thread()
    if scheduler:
        try:
            client = Client(scheduler, timeout=SCHEDULER_TIMEOUT)
        except (OSError, ValueError, TypeError) as exc:
            raise ValueError(
                f"--scheduler: cannot reach a Dask scheduler at {scheduler!r} within "
                f"{SCHEDULER_TIMEOUT} s ({' '.join(str(exc).split())})"
            ) from None
        with client:
            yield client.get_executor(pure=False)
        return
    with (
        LocalCluster(
            n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None
        ) as cluster,
        Client(cluster) as client,
    ):
        yield client.get_executor(pure=False)
