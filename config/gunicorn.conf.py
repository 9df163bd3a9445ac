"""gunicorn's settings for the web process (README "Web processes"):

    .venv/bin/gunicorn config.wsgi -c config/gunicorn.conf.py

- **Worker class ``gthread``, 2 threads per worker.** A sync worker holds one request
  at a time, so one slow page (a large export, an evidence download) holds up the
  sign-in page behind it; with threads a worker answers others meanwhile. Django is
  thread-safe, and each thread keeps its own database connection (``DB_CONN_MAX_AGE``),
  so the database sees at most ``workers x threads`` connections per host (3 x 2 = 6
  on a 1-core host, keep it under PostgreSQL's ``max_connections`` with the scheduler
  and any other host). The pages are mostly CPU-bound Python (templates, ORM) under
  one interpreter lock per process, so threads buy responsiveness while one request
  waits on the database, not throughput: processes are what scale with cores. Measure
  a change with ``make loadtest`` (scripts/loadtest.py, figures in bench/loadtest.md).
- **Workers: ``2 x cores + 1``**, gunicorn's own rule of thumb, capped at 8 (override
  with ``WEB_CONCURRENCY``). Threads: ``WEB_THREADS`` (default 2).
- **timeout 30 s**: a request still running after that is a fault (every list is read
  by keyset, issue 13); the worker is restarted rather than left hanging. Uploads and
  exports finish well within it at the sizes measured (bench/).
- **max_requests 5000 (+ jitter)**: workers are recycled now and then, so a slow leak
  cannot grow without bound, and not all at once.
- Logs to stderr (journald under systemd); the access log off by default (the reverse
  proxy keeps one), on with ``WEB_ACCESS_LOG=-``.
"""

from __future__ import annotations

import multiprocessing
import os

bind = os.environ.get("WEB_BIND", "127.0.0.1:8000")
worker_class = "gthread"
workers = int(os.environ.get("WEB_CONCURRENCY", min(2 * multiprocessing.cpu_count() + 1, 8)))
threads = int(os.environ.get("WEB_THREADS", "2"))
timeout = int(os.environ.get("WEB_TIMEOUT", "30"))
graceful_timeout = 10
keepalive = 5
max_requests = 5000
max_requests_jitter = 500
errorlog = "-"
accesslog = os.environ.get("WEB_ACCESS_LOG") or None
