"""Messages (mails, SMS codes) sent off the request: a request commits, hands each message
to this process's sender thread and answers at once, so its answer and its timing say
nothing of the mail server, of the recipient, or of whether a message went out at all.

One daemon thread per process (started on first use, again after a fork); a job that fails
is logged without its recipient and dropped: a person who gets nothing asks again (the
per-recipient limit, domain/marketing/throttle.py, is counted when the job is queued).
`wait_idle()` lets tests and shutdown wait until every queued job has run.
"""

from __future__ import annotations

import atexit
import logging
import os
import queue
import threading
import time
from collections.abc import Callable

log = logging.getLogger("lupa.outbox")

Job = Callable[[], None]


class Outbox:
    def __init__(self) -> None:
        self._jobs: queue.Queue[Job] = queue.Queue()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._pid = 0

    def submit(self, job: Job) -> None:
        """Queue one job; it runs on the sender thread, in order."""
        self._ensure_thread()
        self._jobs.put(job)

    def wait_idle(self, timeout: float = 10.0) -> bool:
        """Block until every queued job has run (True), or until the timeout (False)."""
        deadline = time.monotonic() + timeout
        done = self._jobs.all_tasks_done
        with done:
            while self._jobs.unfinished_tasks:
                remaining = deadline - time.monotonic()
                if remaining <= 0 or not done.wait(remaining):
                    return not self._jobs.unfinished_tasks
        return True

    def _ensure_thread(self) -> None:
        with self._lock:
            if self._thread is not None and self._thread.is_alive() and self._pid == os.getpid():
                return
            if self._pid != os.getpid():  # forked: the parent's queue and thread are not ours
                self._jobs = queue.Queue()
            self._pid = os.getpid()
            self._thread = threading.Thread(target=self._run, name="lupa-outbox", daemon=True)
            self._thread.start()

    def _run(self) -> None:
        jobs = self._jobs
        while True:
            job = jobs.get()
            try:
                job()
            except Exception as exc:  # noqa: BLE001 - a failed message must not stop the others
                log.warning("message not sent: %s", type(exc).__name__)
            finally:
                jobs.task_done()


_outbox = Outbox()
submit = _outbox.submit
wait_idle = _outbox.wait_idle
atexit.register(lambda: _outbox.wait_idle(5.0))
