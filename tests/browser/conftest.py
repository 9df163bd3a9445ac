"""Playwright against the system Chromium and pytest-django's live server.

Fixtures: ``browser`` (one Chromium for the session), ``page`` (JavaScript on),
``nojs_page`` (JavaScript off, to prove forms work without it), and ``sign_in`` which
signs a persona in through the real sign-in form. Page checks live in ``pages.py``.

Chromium is never downloaded: the tests drive Debian's ``/usr/bin/chromium`` (or
``$CHROMIUM``). Where it is missing they are skipped, with one line in the summary saying
how to install it; under CI (``CI=true``) they fail instead, so a CI run never passes
without them (``.ci/run`` installs it).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from urllib.parse import urlparse

import pytest

# Playwright's sync API runs an event loop in this thread; Django would otherwise refuse
# the test thread's (synchronous, safe) database access.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

from playwright.sync_api import Browser, BrowserContext, Page, sync_playwright

from tests.factories import PASSWORD

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
TIMEOUT_MS = 15_000


NO_CHROMIUM = (
    f"no Chromium at {CHROMIUM!r}: the browser tests need Debian's "
    "`apt-get install chromium` (or CHROMIUM=/path/to/chromium)"
)


def under_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in {"1", "true", "yes"}


def chromium_path() -> str | None:
    path = CHROMIUM if os.path.isabs(CHROMIUM) else shutil.which(CHROMIUM)
    return path if path and os.access(path, os.X_OK) else None


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Everything under tests/browser is a browser test, even if a file forgets the mark.
    Without Chromium (and not under CI) they are skipped up front."""
    skip = None if chromium_path() or under_ci() else pytest.mark.skip(reason=NO_CHROMIUM)
    for item in items:
        if "tests/browser/" in str(item.fspath).replace(os.sep, "/"):
            item.add_marker(pytest.mark.browser)
            if skip:
                item.add_marker(skip)


@pytest.hookimpl(hookwrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    """Report every "no Chromium" skip at this file, not at each test, so that pytest's
    summary folds them into one line: "SKIPPED [47] tests/browser/conftest.py: no Chromium..."."""
    outcome = yield
    report = outcome.get_result()  # type: ignore[attr-defined]
    longrepr = report.longrepr
    if report.skipped and isinstance(longrepr, tuple) and longrepr[2].endswith(NO_CHROMIUM):
        report.longrepr = (__file__, None, NO_CHROMIUM)


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    path = chromium_path()
    if path is None:
        if under_ci():
            pytest.fail(f"{NO_CHROMIUM}; CI=true, so they fail, not skip", pytrace=False)
        pytest.skip(NO_CHROMIUM)
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=path, args=CHROMIUM_ARGS)
        yield b
        b.close()


def _context(browser: Browser, live_server, *, javascript: bool) -> BrowserContext:
    context = browser.new_context(
        base_url=live_server.url,
        java_script_enabled=javascript,
        viewport={"width": 1280, "height": 900},
        locale="en-GB",
    )
    context.set_default_timeout(TIMEOUT_MS)
    return context


def _watched_page(context: BrowserContext, live_server, *, javascript: bool) -> Page:
    """A page that records every local asset (CSS, JS, font, image) that failed to load,
    and JavaScript errors; ``pages.assert_assets_loaded`` reads them."""
    page = context.new_page()
    failures: list[str] = []
    origin = urlparse(live_server.url).netloc

    def on_response(response) -> None:
        if response.request.resource_type == "document":
            return
        if urlparse(response.url).netloc == origin and response.status >= 400:
            failures.append(f"{response.status} {response.url}")

    page.on("response", on_response)

    def on_failed(request) -> None:
        # ERR_ABORTED is the browser cancelling a request (a navigation started), not a
        # missing file: a missing file is a 404 response, caught above.
        if request.failure != "net::ERR_ABORTED":
            failures.append(f"failed {request.url}: {request.failure}")

    page.on("requestfailed", on_failed)
    page.on("pageerror", lambda exc: failures.append(f"JavaScript error: {exc}"))
    # Test-only state carried on the Page for pages.py to read; Playwright's Page type
    # does not declare these attributes, hence the ignores.
    page.asset_failures = failures  # type: ignore[attr-defined]
    page.javascript_enabled = javascript  # type: ignore[attr-defined]
    return page


@pytest.fixture
def context(browser: Browser, live_server, transactional_db) -> Iterator[BrowserContext]:
    ctx = _context(browser, live_server, javascript=True)
    yield ctx
    ctx.close()


@pytest.fixture
def page(context: BrowserContext, live_server) -> Page:
    return _watched_page(context, live_server, javascript=True)


@pytest.fixture
def nojs_context(browser: Browser, live_server, transactional_db) -> Iterator[BrowserContext]:
    ctx = _context(browser, live_server, javascript=False)
    yield ctx
    ctx.close()


@pytest.fixture
def nojs_page(nojs_context: BrowserContext, live_server) -> Page:
    return _watched_page(nojs_context, live_server, javascript=False)


def sign_in_through_form(page: Page, user, password: str = PASSWORD) -> None:
    """Sign ``user`` in with the real form, as a person would, and land on My work."""
    page.goto("/sign-in/")
    page.get_by_label("Username").fill(user.username)
    page.get_by_label("Password").fill(password)
    with page.expect_navigation(wait_until="load"):
        page.get_by_role("button", name="Sign in").click()
    assert urlparse(page.url).path == "/", (
        f"sign-in as {user.username} did not reach the home page (at {page.url})"
    )


@pytest.fixture
def sign_in(live_server) -> Callable[..., None]:
    """``sign_in(page, user)`` signs in through /sign-in/ (username and password)."""
    return sign_in_through_form


@pytest.fixture
def work_tasks(alice, manager, agency_a) -> dict:
    """Three actions for agency A, each with its "work" task: one picked up by alice
    (her inbox), one waiting in the agency's queue, and one past its target date."""
    from tests.factories.actions import make_action
    from workflows import services as task_services
    from workflows.base import open_tasks

    claimed = make_action(
        agency=agency_a,
        lead=alice,
        by=manager,
        reference="R1.1",
        description="Deliver neglect training to all front-line staff",
    )
    queued = make_action(
        agency=agency_a,
        lead=alice,
        by=manager,
        reference="R1.2",
        description="Audit the use of chronologies in case files",
    )
    overdue = make_action(
        agency=agency_a,
        lead=alice,
        by=manager,
        reference="R1.3",
        description="Refresh the escalation policy",
        target_in_days=-3,
    )
    tasks = {
        name: open_tasks(action)[0]
        for name, action in (("claimed", claimed), ("queued", queued), ("overdue", overdue))
    }
    # a work task opens held by its lead, alice (issue 9): two of them back in the queue
    for name in ("queued", "overdue"):
        task_services.task_release(task=tasks[name], by=alice)
    return tasks
