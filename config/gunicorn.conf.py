"""gunicorn's settings for the web process (README "Web processes"):

    .venv/bin/gunicorn config.wsgi -c config/gunicorn.conf.py

- **Worker class ``gthread``, 4 threads per worker.** A sync worker holds one request
  at a time, so one slow page (a large export, an evidence download, a long list) holds
  up the sign-in page queued behind it until it ends; with threads a worker starts the
  sign-in request at once and the interpreter switches between them every few
  milliseconds, so a cheap page finishes in about its own time even beside a slow one.
  Four rather than two: under 20 users a worker usually has more than two requests in
  hand (issue 13's load test saw the sign-in page wait 1.6 s behind slow pages).
  Django is thread-safe, and each thread keeps its own database connection
  (``DB_CONN_MAX_AGE``), so the database sees at most ``workers x threads``
  connections per host (5 x 4 = 20 on a 2-core host; keep it under PostgreSQL's
  ``max_connections`` with the scheduler and any other host). The pages are mostly
  CPU-bound Python (templates, ORM) under one interpreter lock per process, so
  threads buy responsiveness, not throughput: processes are what scale with cores.
  Measure a change with ``make loadtest`` (scripts/loadtest.py, bench/loadtest.md).
- **Workers: ``2 x cores + 1``**, gunicorn's own rule of thumb, capped at 8 (override
  with ``WEB_CONCURRENCY``). Threads: ``WEB_THREADS`` (default 4).
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
threads = int(os.environ.get("WEB_THREADS", "4"))
timeout = int(os.environ.get("WEB_TIMEOUT", "30"))
graceful_timeout = 10
keepalive = 5
max_requests = 5000
max_requests_jitter = 500
errorlog = "-"
accesslog = os.environ.get("WEB_ACCESS_LOG") or None
