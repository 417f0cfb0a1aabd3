"""gunicorn settings for `lupa serve`; each overridable by GUNICORN_* style flags."""

import multiprocessing
import os
import shutil
import tempfile
from typing import Any

workers = int(os.environ.get("LUPA_WORKERS", multiprocessing.cpu_count() * 2 + 1))
threads = int(os.environ.get("LUPA_THREADS", "2"))
timeout = int(os.environ.get("LUPA_TIMEOUT", "30"))
graceful_timeout = int(os.environ.get("LUPA_GRACEFUL_TIMEOUT", "30"))
keepalive = 5
max_requests = 10000
max_requests_jitter = 1000
accesslog = None  # the app writes its own JSON access log without personal data
errorlog = "-"
forwarded_allow_ips = os.environ.get("LUPA_FORWARDED_ALLOW_IPS", "127.0.0.1")
preload_app = False

# Prometheus multiprocess mode: every worker writes its samples under this directory and
# /metrics sums them. It must be set before a worker imports prometheus_client, so here.
if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="lupa-metrics-")


def on_starting(server: Any) -> None:
    """Start from an empty metrics directory: files of an earlier run would be summed in."""
    path = os.environ["PROMETHEUS_MULTIPROC_DIR"]
    shutil.rmtree(path, ignore_errors=True)
    os.makedirs(path, exist_ok=True)


def child_exit(server: Any, worker: Any) -> None:
    """Drop a dead worker's live gauges (counters and histograms keep their totals)."""
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)

