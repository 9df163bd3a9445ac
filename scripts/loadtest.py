#!/usr/bin/env python
"""Load test: gunicorn as production runs it (config/gunicorn.conf.py, 2 workers) on a
throw-away PostgreSQL database holding the benchmark's data (bench/run.py builds it),
and simulated users over HTTP on the loopback.

    make loadtest                                  # L: 100,000 actions, 20 users, 60 s
    .venv/bin/python scripts/loadtest.py --reuse bench_tmp_100000   # data kept by bench --keep
    .venv/bin/python scripts/loadtest.py --actions 2000 --seconds 30 --users 10

Three phases, each with the same number of users (threads with ``http.client``,
loopback only; every phase stops by itself):

1. the ceiling: every user fetches a trivial page (the sign-in page) as fast as it is
   answered, for ``--probe-seconds``;
2. My work alone, signed in, for ``--probe-seconds``: its requests per second over the
   ceiling's is the figure to watch;
2b. the floor of a signed-in page, for ``--probe-seconds``: the help page, which reads
   nothing but the session, the user and their access (what every signed-in page
   costs before its own work), for scale;
3. the journey, for ``--seconds``: each user signs in, then opens My work, the queue
   tab, an action of theirs and the action list, round and round.

Per page: requests, requests per second, median and 95th percentile in ms, errors (any
answer but the one expected, or no answer). Written to bench/loadtest.md and .json.
The database (``--database``, default ``loadtest_tmp``) is dropped at the end and
gunicorn stopped, however it ends. Figures on a shared machine are evidence, not a gate:
the exit status is 0 unless the run itself failed (errors > 1% fail it).
"""

from __future__ import annotations

import argparse
import http.client
import importlib.util
import json
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
PASSWORD = "loadtest-only-password-2026"  # throw-away database, loopback only
TRIVIAL = "sign-in page (ceiling)"
MY_WORK = "My work"
SIGNED_IN = "help page, signed in (the floor of a signed-in page)"


# -- the client ---------------------------------------------------------------------------
@dataclass
class Tally:
    times: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, label: str, ms: float, ok: bool) -> None:
        with self.lock:
            if ok:
                self.times[label].append(ms)
            else:
                self.errors[label] += 1


class Browser:
    """One simulated user: cookies, CSRF, one keep-alive connection (loopback only)."""

    def __init__(self, port: int, tally: Tally) -> None:
        self.port = port
        self.tally = tally
        self.cookies: dict[str, str] = {}
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)

    def request(
        self, label: str, method: str, path: str, body: dict | None = None, expect: int = 200
    ) -> str:
        headers = {"Host": "localhost"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        data = None
        if body is not None:
            data = urlencode(body)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            headers["Referer"] = f"http://localhost:{self.port}{path}"
        t0 = time.perf_counter()
        for attempt in (1, 2):
            try:
                self.conn.request(method, path, body=data, headers=headers)
                response = self.conn.getresponse()
                text = response.read().decode("utf-8", "replace")
                break
            except (OSError, http.client.HTTPException):
                self.conn.close()
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
                # a kept-alive connection closed by a worker being recycled: a browser
                # sends an idempotent request again on a new one, and so do we, once
                if attempt == 2 or method != "GET":
                    self.tally.add(label, 0, False)
                    return ""
                t0 = time.perf_counter()
        ms = (time.perf_counter() - t0) * 1000
        for header, value in response.getheaders():
            if header.lower() == "set-cookie":
                name, _, rest = value.partition("=")
                self.cookies[name.strip()] = rest.split(";", 1)[0]
        self.tally.add(label, ms, response.status == expect)
        return text

    def sign_in(self, username: str) -> bool:
        page = self.request("sign in (form)", "GET", "/sign-in/")
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
        if not token:
            return False
        self.request(
            "sign in (post)",
            "POST",
            "/sign-in/",
            {"csrfmiddlewaretoken": token.group(1), "username": username, "password": PASSWORD},
            expect=302,
        )
        return "sessionid" in self.cookies


def run_phase(
    port: int, users: list[tuple[str, list[int]]], seconds: float, plan: str
) -> tuple[Tally, float]:
    """``plan``: "trivial", "home", "signed_in" or "journey". Returns the tally and its
    duration."""
    tally = Tally()
    clock: list[float] = [0.0, 0.0]  # start, deadline

    def start_clock() -> None:
        # run by the barrier before it lets anyone through, so no user can find the
        # deadline not yet set and stop at once
        clock[0] = time.perf_counter()
        clock[1] = clock[0] + seconds

    start_gate = threading.Barrier(len(users) + 1, action=start_clock)

    def user_thread(username: str, action_ids: list[int]) -> None:
        browser = Browser(port, tally)
        if plan != "trivial" and not browser.sign_in(username):
            tally.add("sign in (failed)", 0, False)
        start_gate.wait()
        i = 0
        while time.perf_counter() < clock[1]:
            if plan == "trivial":
                browser.request(TRIVIAL, "GET", "/sign-in/")
            elif plan == "home":
                browser.request(MY_WORK, "GET", "/")
            elif plan == "signed_in":
                browser.request(SIGNED_IN, "GET", "/help/")
            else:
                step = i % 4
                if step == 0:
                    browser.request(MY_WORK, "GET", "/")
                elif step == 1:
                    browser.request("My work: queue tab", "GET", "/?tab=queue")
                elif step == 2:
                    pk = action_ids[i // 4 % len(action_ids)]
                    browser.request("an action", "GET", f"/actions/{pk}/")
                else:
                    browser.request("action list", "GET", "/actions/")
            i += 1
        browser.conn.close()

    threads = [threading.Thread(target=user_thread, args=user, daemon=True) for user in users]
    for thread in threads:
        thread.start()
    start_gate.wait()  # everyone signed in: the clock starts
    for thread in threads:
        thread.join(timeout=seconds + 60)
    return tally, time.perf_counter() - clock[0]


def summary(tally: Tally, elapsed: float) -> list[dict]:
    out = []
    for label in sorted(set(tally.times) | set(tally.errors)):
        times = sorted(tally.times.get(label, []))
        n = len(times)
        out.append(
            {
                "page": label,
                "requests": n,
                "rps": round(n / elapsed, 1) if elapsed else 0.0,
                "median_ms": round(statistics.median(times), 1) if times else None,
                "p95_ms": round(times[max(0, int(n * 0.95) - 1)], 1) if times else None,
                "errors": tally.errors.get(label, 0),
            }
        )
    return out


def bench_module() -> Any:
    """bench/run.py (its data generator and helpers), loaded by path: bench/ is a
    folder of scripts, not a package."""
    if "assurance_bench" not in sys.modules:
        spec = importlib.util.spec_from_file_location("assurance_bench", ROOT / "bench" / "run.py")
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules["assurance_bench"] = module
        spec.loader.exec_module(module)
    return sys.modules["assurance_bench"]


# -- the server and the data --------------------------------------------------------------
def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def build(args: argparse.Namespace) -> tuple[list[tuple[str, list[int]]], str]:
    """Migrate the throw-away database and fill it as the benchmark does; give the
    simulated users a password. Returns (username, action ids) per user, and the URL."""
    bench = bench_module()
    os.environ["BENCH_DB_NAME"] = args.database
    bench.BENCH_DB = args.database
    os.environ.setdefault("BENCH_DATABASE_URL", args.server)
    db, cleanup = bench.prepare_database()
    atexit_cleanup.append(cleanup)
    bench.configure_django()
    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import make_password
    from django.core.management import call_command

    from actions.models import Action

    t0 = time.perf_counter()
    granted_ids: set[int]
    if args.reuse:
        # a copy of data kept by ``bench/run.py --keep`` (building L takes minutes)
        bench.admin(f"DROP DATABASE IF EXISTS {args.database} WITH (FORCE)")
        bench.admin(f"CREATE DATABASE {args.database} TEMPLATE {args.reuse}")
        print(f"== {db}: a copy of {args.reuse}; migrating", flush=True)
        call_command("migrate", verbosity=0, interactive=False)
        world = bench.load_world(args.granted)
        granted_ids = {a.pk for a in world.agencies[: args.granted]}
    else:
        print(f"== {db}: migrating", flush=True)
        call_command("migrate", verbosity=0, interactive=False)
        world = bench.build_world(args.agencies, args.granted)
        granted_ids = {a.pk for a in world.agencies[: args.granted]}
        bench.grow(world, args.actions, granted_ids)
        bench.fill_inbox(world, granted_ids)
    bench.analyse()
    args.actions = world.actions  # as measured (a copy may hold another size)
    print(
        f"== {world.actions:,} actions, {world.tasks:,} tasks in {time.perf_counter() - t0:.0f} s",
        flush=True,
    )
    # who signs in: the agency lead of 125 agencies, the partnership manager, and
    # single-agency leads
    people = [world.bench_user, world.manager] + [
        world.leads[a.pk] for a in world.agencies[: max(0, args.users - 2)]
    ]
    hashed = make_password(PASSWORD)
    get_user_model().objects.filter(pk__in=[p.pk for p in people]).update(password=hashed)
    users = []
    for i in range(args.users):
        person = people[i % len(people)]
        actions = Action.objects.order_by("pk")
        if person.pk in {lead.pk for lead in world.leads.values()}:
            actions = actions.filter(lead=person)
        elif person.pk == world.bench_user.pk:
            actions = actions.filter(agency__in=world.agencies[: args.granted])
        ids = list(actions.values_list("pk", flat=True)[:20])
        users.append((person.username, ids))
    from django.db import connections

    connections.close_all()
    return users, os.environ["DATABASE_URL"]


atexit_cleanup: list = []


def start_gunicorn(url: str, port: int, workers: int, threads: int, log: Path) -> subprocess.Popen:
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        # development settings with DEBUG off (as the benchmark): production's secure
        # cookies need HTTPS, which a loopback test does not have
        "DJANGO_ENV": "development",
        "DJANGO_DEBUG": "0",
        "ALLOWED_HOSTS": "localhost,127.0.0.1",
        "LOG_LEVEL": "WARNING",
        "WEB_BIND": f"127.0.0.1:{port}",
        "WEB_CONCURRENCY": str(workers),
        "WEB_THREADS": str(threads),
        "HOME": str(log.parent),
    }
    program = Path(sys.executable).with_name("gunicorn")
    command = [str(program), "config.wsgi", "-c", str(ROOT / "config" / "gunicorn.conf.py")]
    process = subprocess.Popen(
        command,
        cwd=ROOT,
        env=env,
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    for _ in range(120):
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return process
        except OSError:
            if process.poll() is not None:
                raise RuntimeError(f"gunicorn exited: {log.read_text()[-2000:]}") from None
            time.sleep(0.5)
    raise RuntimeError("gunicorn did not start within 60 s")


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)  # its own session: gunicorn and its workers
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)


def table(rows: list[dict]) -> list[str]:
    lines = [
        "| page | requests | req/s | median ms | p95 ms | errors |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        lines.append(
            f"| {r['page']} | {r['requests']} | {r['rps']} | {r['median_ms']} | "
            f"{r['p95_ms']} | {r['errors']} |"
        )
    return lines


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--actions", type=int, default=100_000, help="bench data size (L: 100,000 actions)"
    )
    parser.add_argument(
        "--reuse",
        default="",
        help="copy this PostgreSQL database (kept by bench/run.py --keep) instead of building",
    )
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=60, help="the journey phase")
    parser.add_argument("--probe-seconds", type=float, default=15, help="each probe phase")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4, help="as config/gunicorn.conf.py")
    parser.add_argument("--agencies", type=int, default=150)
    parser.add_argument("--granted", type=int, default=125)
    parser.add_argument("--database", default="loadtest_tmp", help="throw-away database name")
    parser.add_argument(
        "--server",
        default=os.environ.get(
            "LOADTEST_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres"
        ),
        help="PostgreSQL server (its maintenance database)",
    )
    parser.add_argument("--output", default=str(ROOT / "bench" / "loadtest.md"))
    args = parser.parse_args()

    tmp = Path(os.environ.get("TMPDIR", "/tmp")) / f"loadtest-{os.getpid()}"
    tmp.mkdir(parents=True, exist_ok=True)
    process = None
    try:
        users, url = build(args)
        port = free_port()
        process = start_gunicorn(url, port, args.workers, args.threads, tmp / "gunicorn.log")
        print(
            f"== gunicorn: {args.workers} workers x {args.threads} threads on :{port}", flush=True
        )
        run_phase(port, users[:2], 3, "journey")  # warm: imports, caches, connections
        phases = {}
        for name, plan, seconds in (
            ("ceiling", "trivial", args.probe_seconds),
            ("my_work", "home", args.probe_seconds),
            ("signed_in", "signed_in", args.probe_seconds),
            ("journey", "journey", args.seconds),
        ):
            print(f"== {name}: {args.users} users for {seconds:.0f} s", flush=True)
            tally, elapsed = run_phase(port, users, seconds, plan)
            phases[name] = summary(tally, elapsed)
            print("\n".join(table(phases[name])), flush=True)
        ceiling = next((r["rps"] for r in phases["ceiling"] if r["page"] == TRIVIAL), 0.0)
        home = next((r["rps"] for r in phases["my_work"] if r["page"] == MY_WORK), 0.0)
        ratio = home / ceiling if ceiling else 0.0
        floor = next((r["rps"] for r in phases["signed_in"] if r["page"] == SIGNED_IN), 0.0)
        floor_ratio = floor / ceiling if ceiling else 0.0
        print(f"help page, signed in / sign-in page: {floor} / {ceiling} req/s")
        requests = sum(r["requests"] + r["errors"] for p in phases.values() for r in p)
        errors = sum(r["errors"] for p in phases.values() for r in p)
        print(f"\nMy work / sign-in page throughput: {home} / {ceiling} req/s = {ratio:.2f}")
        print(f"errors: {errors} of {requests}")
        write(args, phases, ratio, floor_ratio, errors, requests)
        return 1 if requests == 0 or errors > requests / 100 else 0
    finally:
        if process is not None:
            stop(process)
        shutil.rmtree(tmp, ignore_errors=True)
        for cleanup in atexit_cleanup:
            cleanup()


def write(
    args: argparse.Namespace,
    phases: dict,
    ratio: float,
    floor_ratio: float,
    errors: int,
    requests: int,
) -> None:
    env = bench_module().environment(f"database {args.database}")
    data = {
        "command": " ".join(["scripts/loadtest.py", *sys.argv[1:]]),
        "environment": env,
        "actions": args.actions,
        "users": args.users,
        "workers": args.workers,
        "threads": args.threads,
        "phases": phases,
        "my_work_over_ceiling": round(ratio, 3),
        "signed_in_floor_over_ceiling": round(floor_ratio, 3),
        "errors": errors,
        "requests": requests,
    }
    out = Path(args.output)
    out.with_suffix(".json").write_text(json.dumps(data, indent=2) + "\n")
    lines = [
        "# Load test",
        "",
        "Written by `scripts/loadtest.py` (`make loadtest`); what it does: the script's docstring.",
        "",
        "```",
        data["command"],
        "```",
        "",
        *env,
        f"- gunicorn: config/gunicorn.conf.py, {args.workers} workers x {args.threads} "
        f"threads (gthread); {args.users} simulated users; {args.actions:,} bench actions",
        "",
    ]
    titles = {
        "ceiling": f"1. The ceiling: the sign-in page only, {args.probe_seconds:.0f} s",
        "my_work": f"2. My work only, signed in, {args.probe_seconds:.0f} s",
        "signed_in": f"2b. The help page only, signed in, {args.probe_seconds:.0f} s "
        "(what any signed-in page costs before its own work)",
        "journey": f"3. The journey (My work, queue tab, an action, the action list), "
        f"{args.seconds:.0f} s",
    }
    for name, rows in phases.items():
        lines += [f"## {titles[name]}", "", *table(rows), ""]
    lines += [
        f"My work's throughput over the sign-in page's: **{ratio:.2f}** (goal 0.25: "
        f"{'PASS' if ratio >= 0.25 else 'FAIL'}); the signed-in help page's: "
        f"{floor_ratio:.2f}. Errors: {errors} of {requests} requests.",
        "",
    ]
    out.write_text("\n".join(lines))
    print(f"written to {out} and {out.with_suffix('.json')}")


if __name__ == "__main__":
    sys.exit(main())
