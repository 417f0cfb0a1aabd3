"""A stage of a streamed check's pipeline: one thread running jobs in order."""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable
from concurrent.futures import Future
from typing import Any

from service.extensions import db

log = logging.getLogger("lupa.marketing.checks")


class Stage:
    """A pipeline stage: one thread that runs jobs in order inside its own app context (its
    own session and connection); after a job fails, later ones fail without running."""

    def __init__(self, app: Any, job: Callable[..., Any]) -> None:
        self._app, self._job = app, job
        self._dead = False
        self._queue: queue.SimpleQueue[tuple[Future[Any], tuple[Any, ...]] | None] = \
            queue.SimpleQueue()
        self._thread = threading.Thread(target=self._run, name="lupa-check-stage", daemon=True)
        self._thread.start()

    def submit(self, *args: Any) -> Future[Any]:
        future: Future[Any] = Future()
        self._queue.put((future, args))
        if self._dead:  # the thread is gone (or going): fail the job, do not lose it
            self._drain()
        return future

    def close(self) -> None:
        self._queue.put(None)
        self._thread.join()

    def _run(self) -> None:
        failed: BaseException | None = None
        try:
            with self._app.app_context():
                try:
                    while (item := self._queue.get()) is not None:
                        future, args = item
                        if failed is not None:
                            future.set_exception(RuntimeError("an earlier batch failed"))
                            continue
                        if not future.set_running_or_notify_cancel():
                            continue
                        try:
                            result = self._job(*args)
                        except BaseException as exc:  # handed to the request thread
                            failed = exc
                            future.set_exception(exc)  # first: someone is waiting for it
                            _quietly(db.session.rollback)  # a lost connection cannot
                        else:
                            future.set_result(result)
                finally:
                    _quietly(db.session.remove)
        finally:
            self._dead = True
            self._drain()

    def _drain(self) -> None:
        """Whatever ended the thread, nobody may wait for ever for a job it will not run."""
        while True:
            try:
                item = self._queue.get_nowait()
            except queue.Empty:
                return
            if item is not None and item[0].set_running_or_notify_cancel():
                item[0].set_exception(RuntimeError("the check's pipeline stopped"))


def _quietly(action: Callable[[], Any]) -> None:
    try:
        action()
    except Exception as exc:  # the job's own error is what the request thread reports
        log.warning("check pipeline clean-up failed: %s", type(exc).__name__)
