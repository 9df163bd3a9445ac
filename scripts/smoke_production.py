#!/usr/bin/env python3
"""Production smoke test: the README's production steps, end to end, on this machine.

With production settings (DJANGO_ENV=production, a random secret key, a throwaway
PostgreSQL database, ALLOWED_HOSTS=127.0.0.1,localhost, a temporary STATIC_ROOT and
MEDIA_ROOT) it runs ``migrate``, ``collectstatic --noinput``, ``check --deploy`` and
``load_demo`` (the personas; the database is thrown away), starts gunicorn on a loopback
port as the README's web process does, signs personas in through the sign-in form over
HTTP and opens a page of every app, the admin, the API and its docs, and a static asset:
each must answer 200 with the security headers. Then it stops gunicorn, drops the
database and removes the temporary folder, whatever happened.

Requests say ``X-Forwarded-Proto: https``, as the TLS-terminating proxy does: production
redirects plain HTTP to HTTPS and marks its cookies Secure, so this client keeps the
cookies itself and sends them back over the loopback's plain HTTP.

    .venv/bin/python scripts/smoke_production.py      # or: make smoke

The PostgreSQL server is DATABASE_URL's when that is a postgres:// URL (the database named
there is not touched: a new one is created beside it), else PGHOST / PGPORT / PGUSER /
PGPASSWORD (default postgres@127.0.0.1:5432). SMOKE_PORT picks the port (default: a free
one); SMOKE_TIMEOUT bounds the whole run (default 600 seconds). Exit status 0 when every
check holds, 1 when one does not, 2 when a step before the checks failed.
"""

from __future__ import annotations

import contextlib
import html
import http.client
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import quote, unquote, urlencode, urlsplit

import psycopg
from psycopg import sql

BASE_DIR = Path(__file__).resolve().parent.parent
PASSWORD = "safeguarding-demo-2026"  # the demo personas' (README)
STEP_TIMEOUT = 300  # seconds, each manage.py step
HTTP_TIMEOUT = 30  # seconds, each request
START_TIMEOUT = 60  # seconds for gunicorn to answer
HSTS_MIN = 31536000

# On every page (HTML and API): Django's SecurityMiddleware and XFrameOptionsMiddleware,
# and core.middleware.SecurityHeadersMiddleware.
PAGE_HEADERS = {
    "Strict-Transport-Security": lambda v: _max_age(v) >= HSTS_MIN,
    "X-Content-Type-Options": lambda v: v == "nosniff",
    "X-Frame-Options": lambda v: v == "DENY",
    "Referrer-Policy": lambda v: bool(v),
    "Content-Security-Policy": lambda v: "default-src" in v and "frame-ancestors" in v,
    "Permissions-Policy": lambda v: "camera=()" in v,
}
# ... and on whatever a signed-in person is shown.
SIGNED_IN_HEADERS = {"Cache-Control": lambda v: "no-store" in v}


def _max_age(value: str) -> int:
    match = re.search(r"max-age=(\d+)", value)
    return int(match.group(1)) if match else 0


class StepFailed(Exception):
    pass


class Timeout(BaseException):
    """The whole run took longer than SMOKE_TIMEOUT (BaseException: no step swallows it)."""


def say(message: str) -> None:
    print(message, flush=True)


# --- the throwaway database ------------------------------------------------------------


def server_url() -> str:
    """postgres:// URL of the server's maintenance database (``postgres``)."""
    url = os.environ.get("DATABASE_URL", "")
    if url.startswith(("postgres://", "postgresql://")):
        return urlsplit(url)._replace(path="/postgres").geturl()
    user = quote(os.environ.get("PGUSER", "postgres"), safe="")
    password = os.environ.get("PGPASSWORD")
    auth = f"{user}:{quote(password, safe='')}" if password else user
    host = os.environ.get("PGHOST", "127.0.0.1")
    port = os.environ.get("PGPORT", "5432")
    return f"postgres://{auth}@{host}:{port}/postgres"


def admin_execute(query: sql.Composed) -> None:
    with psycopg.connect(server_url(), autocommit=True, connect_timeout=10) as conn:
        conn.execute(query)


@contextlib.contextmanager
def throwaway_database() -> Iterator[str]:
    name = f"smoke_{os.getpid()}_{secrets.token_hex(4)}"
    admin_execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    say(f"== created database {name}")
    try:
        yield urlsplit(server_url())._replace(path=f"/{name}").geturl()
    finally:
        # FORCE ends connections left behind by a gunicorn worker that did not exit.
        try:
            admin_execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )
            say(f"== dropped database {name}")
        except psycopg.Error as exc:
            say(f"!! could not drop database {name}: {exc}")


# --- manage.py and gunicorn -------------------------------------------------------------


def production_env(database_url: str, tmp: Path) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "SECURE_", "EMAIL_")) and key != "DATABASE_URL"
    }
    env.update(
        DJANGO_ENV="production",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(64),
        DATABASE_URL=database_url,
        ALLOWED_HOSTS="127.0.0.1,localhost",
        STATIC_ROOT=str(tmp / "static"),
        MEDIA_ROOT=str(tmp / "media"),
        # Nothing leaves the machine: the demo queues e-mails, nothing sends them.
        EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
        PYTHONDONTWRITEBYTECODE="1",
    )
    return env


def manage(env: dict[str, str], *args: str) -> None:
    say(f"== manage.py {' '.join(args)}")
    try:
        result = subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=BASE_DIR,
            env=env,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=STEP_TIMEOUT,
        )
    except subprocess.TimeoutExpired as exc:
        raise StepFailed(f"manage.py {args[0]} took over {STEP_TIMEOUT}s") from exc
    if result.returncode != 0:
        raise StepFailed(
            f"manage.py {' '.join(args)} exited {result.returncode}:\n"
            + _tail(result.stdout + result.stderr)
        )


def _tail(text: str, lines: int = 30) -> str:
    return "\n".join(text.strip().splitlines()[-lines:])


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def gunicorn_command(port: int) -> list[str]:
    """The README's web process (``.venv/bin/gunicorn config.wsgi --workers 3``), bound
    to the loopback, with two workers on this small machine."""
    script = Path(sys.executable).with_name("gunicorn")
    program = [str(script)] if script.exists() else [sys.executable, "-m", "gunicorn"]
    return [
        *program,
        "config.wsgi",
        "--workers",
        "2",
        "--bind",
        f"127.0.0.1:{port}",
        "--timeout",
        str(HTTP_TIMEOUT),
        "--graceful-timeout",
        "5",
    ]


@contextlib.contextmanager
def gunicorn(env: dict[str, str], port: int, log: Path) -> Iterator[None]:
    say(f"== gunicorn config.wsgi on 127.0.0.1:{port}")
    with log.open("w") as out:
        process = subprocess.Popen(
            gunicorn_command(port),
            cwd=BASE_DIR,
            # HOME: gunicorn's control socket (~/.gunicorn/) apart from any other gunicorn's
            env={**env, "HOME": str(log.parent)},
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: stopped with its workers
        )
    try:
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            if process.poll() is not None:
                raise StepFailed(f"gunicorn exited {process.returncode}:\n{_tail(log.read_text())}")
            with contextlib.suppress(OSError):
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            if time.monotonic() > deadline:
                raise StepFailed(f"gunicorn did not answer within {START_TIMEOUT}s")
            time.sleep(0.3)
        yield
    finally:
        stop(process)
        say("== gunicorn stopped")


def stop(process: subprocess.Popen) -> None:
    if process.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=5)


# --- the HTTP client ----------------------------------------------------------------------


@dataclass
class Response:
    status: int
    headers: http.client.HTTPMessage
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")

    def header(self, name: str) -> str:
        return self.headers.get(name, "")


@dataclass
class Client:
    """One person's browser, as far as this test needs: cookies kept by hand (they are
    Secure, and this is plain HTTP behind a pretend TLS proxy), no redirects followed."""

    port: int
    cookies: dict[str, str] = field(default_factory=dict)
    set_cookie_lines: list[str] = field(default_factory=list)

    @property
    def origin(self) -> str:
        return f"https://127.0.0.1:{self.port}"

    def request(
        self, method: str, path: str, body: bytes | None = None, *, https: bool = True, **headers
    ) -> Response:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=HTTP_TIMEOUT)
        sent = {"Host": f"127.0.0.1:{self.port}", "User-Agent": "smoke-production"}
        if https:
            sent["X-Forwarded-Proto"] = "https"
        if self.cookies:
            sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        sent.update({k.replace("_", "-"): v for k, v in headers.items()})
        try:
            conn.request(method, path, body=body, headers=sent)
            raw = conn.getresponse()
            response = Response(raw.status, raw.headers, raw.read())
        finally:
            conn.close()
        for line in response.headers.get_all("Set-Cookie") or []:
            self.set_cookie_lines.append(line)
            for name, morsel in SimpleCookie(line).items():
                if morsel.value and morsel["max-age"] != "0":
                    self.cookies[name] = morsel.value
                else:
                    self.cookies.pop(name, None)
        return response

    def get(self, path: str, **headers) -> Response:
        return self.request("GET", path, **headers)

    def post_form(self, path: str, data: dict[str, str]) -> Response:
        return self.request(
            "POST",
            path,
            urlencode(data).encode(),
            Content_Type="application/x-www-form-urlencoded",
            Origin=self.origin,
            Referer=self.origin + path,
        )


def csrf_token(page: str) -> str:
    match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    if not match:
        raise StepFailed("no CSRF token in the sign-in form")
    return match.group(1)


def first_link(page: str, pattern: str) -> str | None:
    match = re.search(rf'href="({pattern})"', page)
    return html.unescape(match.group(1)) if match else None


# --- the checks ----------------------------------------------------------------------------


@dataclass
class Checks:
    failures: list[str] = field(default_factory=list)
    missing_headers: dict[str, list[str]] = field(default_factory=dict)
    count: int = 0

    def expect(self, ok: bool, what: str, detail: str = "") -> bool:
        self.count += 1
        if ok:
            say(f"ok    {what}")
        else:
            say(f"FAIL  {what}{': ' + detail if detail else ''}")
            self.failures.append(what)
        return ok

    def headers(self, what: str, response: Response, *, signed_in: bool) -> None:
        wanted = dict(PAGE_HEADERS)
        if signed_in:
            wanted.update(SIGNED_IN_HEADERS)
        bad = {}
        for name, good in wanted.items():
            value = response.header(name)
            if not value or not good(value):
                bad[name] = value
                self.missing_headers.setdefault(name, []).append(what)
        self.expect(
            not bad,
            f"{what}: security headers",
            ", ".join(
                f"{name} {value!r}" if value else f"no {name}" for name, value in bad.items()
            ),
        )

    def page(
        self,
        client: Client,
        path: str,
        *,
        signed_in: bool = True,
        contains: str = "",
        content_type: str = "text/html",
    ) -> Response:
        response = client.get(path)
        what = f"GET {path}"
        self.expect(
            response.status == 200,
            f"{what} answers 200",
            f"{response.status} {response.header('Location')} {_tail(response.text, 5)}",
        )
        self.expect(
            response.header("Content-Type").startswith(content_type),
            f"{what} is {content_type}",
            response.header("Content-Type"),
        )
        if contains:
            self.expect(contains in response.text, f"{what} shows {contains!r}")
        self.headers(what, response, signed_in=signed_in)
        return response


def sign_in(checks: Checks, client: Client, username: str) -> None:
    form = client.get("/sign-in/")
    data = {
        "username": username,
        "password": PASSWORD,
        "csrfmiddlewaretoken": csrf_token(form.text),
    }
    response = client.post_form("/sign-in/", data)
    errors = re.findall(r'class="govuk-error-message"[^>]*>(.*?)</p>', response.text, re.S)
    checks.expect(
        response.status == 302 and response.header("Location") == "/",
        f"sign in as {username} through the form",
        f"{response.status} {response.header('Location')} "
        + " ".join(re.sub(r"<[^>]+>|\s+", " ", error).strip() for error in errors),
    )


def run_checks(port: int) -> Checks:
    checks = Checks()
    anonymous = Client(port)

    plain = anonymous.get("/sign-in/", https=False)
    checks.expect(
        plain.status == 301 and plain.header("Location").startswith("https://"),
        "plain HTTP is redirected to HTTPS",
        f"{plain.status} {plain.header('Location')}",
    )
    home = anonymous.get("/")
    checks.expect(
        home.status == 302 and unquote(home.header("Location")).startswith("/sign-in/"),
        "GET / signed out goes to the sign-in page",
        f"{home.status} {home.header('Location')}",
    )
    checks.page(anonymous, "/sign-in/", signed_in=False, contains="Sign in")

    manager = Client(port)
    sign_in(checks, manager, "manager")
    cookie_lines = " | ".join(
        line for line in manager.set_cookie_lines if line.startswith("sessionid=")
    )
    checks.expect(
        "Secure" in cookie_lines and "HttpOnly" in cookie_lines,
        "the session cookie is Secure and HttpOnly",
        cookie_lines,
    )
    home_page = checks.page(manager, "/", contains="My work")
    actions = checks.page(manager, "/actions/")
    action = first_link(actions.text, r"/actions/\d+/")
    checks.expect(action is not None, "the action list links to an action")
    if action:
        checks.page(manager, action)
    reviews = checks.page(manager, "/reviews/")
    review = first_link(reviews.text, r"/reviews/\d+/")
    checks.expect(review is not None, "the review list links to a review")
    if review:
        checks.page(manager, review)
    checks.page(manager, "/agencies/")
    checks.page(manager, "/tasks/team/", contains="Team tasks")
    checks.page(manager, "/audits/")
    checks.page(manager, "/challenges/")
    checks.page(manager, "/challenges/report/", contains="Challenge log report")
    checks.page(manager, "/plan/")
    checks.page(manager, "/overview/", contains="Partnership overview")
    checks.page(manager, "/api/v1/", content_type="application/json")
    checks.page(manager, "/api/v1/docs/", contains="redoc")

    stylesheet = first_link(home_page.text, r"/assets/govuk/govuk-frontend\.min\.[0-9a-f]+\.css")
    checks.expect(
        stylesheet is not None,
        "pages link GOV.UK Frontend's stylesheet by its hashed (manifest) name",
        re.findall(r'href="(/assets/[^"]+)"', home_page.text).__repr__(),
    )
    if stylesheet:
        asset = manager.get(stylesheet)
        checks.expect(
            asset.status == 200 and asset.header("Content-Type").startswith("text/css"),
            f"GET {stylesheet} answers 200 text/css",
            f"{asset.status} {asset.header('Content-Type')}",
        )
        checks.expect(
            "immutable" in asset.header("Cache-Control"),
            "the hashed asset is cached for good",
            asset.header("Cache-Control"),
        )
        font = re.search(r"""url\(["']?(/assets/fonts/[^)"']+\.[0-9a-f]{12}\.woff2)""", asset.text)
        if checks.expect(font is not None, "the stylesheet names its fonts by hashed name"):
            assert font is not None
            got = manager.get(font.group(1))
            checks.expect(got.status == 200, f"GET {font.group(1)} answers 200", str(got.status))

    admin = Client(port)
    sign_in(checks, admin, "admin")
    checks.page(admin, "/admin/", contains="Site administration")
    return checks


# --- the run -------------------------------------------------------------------------------


def on_signal(signum: int, _frame: object) -> None:
    if signum == signal.SIGALRM:
        raise Timeout
    raise KeyboardInterrupt(f"signal {signum}")


def main() -> int:
    timeout = int(os.environ.get("SMOKE_TIMEOUT", "600"))
    port = int(os.environ.get("SMOKE_PORT") or free_port())
    for signum in (signal.SIGTERM, signal.SIGHUP, signal.SIGALRM):
        signal.signal(signum, on_signal)
    signal.alarm(timeout)
    tmp = Path(tempfile.mkdtemp(prefix="smoke-production-"))
    log = tmp / "gunicorn.log"
    started = time.monotonic()
    checks = Checks()
    ok = False
    try:
        with throwaway_database() as database_url:
            env = production_env(database_url, tmp)
            manage(env, "migrate", "--noinput")
            manage(env, "collectstatic", "--noinput")
            manage(env, "check", "--deploy", "--fail-level", "WARNING")
            manage(env, "load_demo")
            with gunicorn(env, port, log):
                checks = run_checks(port)
            logged = log.read_text()
            checks.expect(
                "Traceback" not in logged and "[ERROR]" not in logged, "gunicorn logged no error"
            )
            ok = not checks.failures
    except StepFailed as exc:
        say(f"FAIL  {exc}")
        say("production smoke test FAILED")
        return 2
    except Timeout:
        say(f"FAIL  the production smoke test took over {timeout}s")
        return 2
    except KeyboardInterrupt as exc:
        say(f"production smoke test interrupted ({exc})")
        return 130
    finally:
        signal.alarm(0)
        if not ok and log.exists():
            say(f"-- the end of gunicorn's log:\n{_tail(log.read_text(), 60)}")
        shutil.rmtree(tmp, ignore_errors=True)

    took = time.monotonic() - started
    if not checks.failures:
        say(f"production smoke test: all {checks.count} checks good ({took:.0f}s)")
        return 0
    for name, where in checks.missing_headers.items():
        say(f"missing or wrong {name} on {len(where)} responses: {', '.join(where[:4])}")
    say(f"production smoke test FAILED: {len(checks.failures)} of {checks.count} checks")
    return 1


if __name__ == "__main__":
    sys.exit(main())
