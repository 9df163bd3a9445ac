"""Pages run under their Content-Security-Policy with nothing refused: GOV.UK Frontend's
JavaScript starts (the nonced inline script and the module script), and the Django
admin, DRF's browsable API and the Redoc docs page work under theirs. Chromium reports
a refusal both as a ``securitypolicyviolation`` event and on the console; both are
collected, as are console complaints about the Permissions-Policy header."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Page

from tests.factories import UserFactory
from tests.factories.actions import make_action

pytestmark = pytest.mark.browser

LISTEN = """
window.__cspViolations = [];
document.addEventListener('securitypolicyviolation', (e) => {
  window.__cspViolations.push(`${e.violatedDirective} refused ${e.blockedURI || 'inline'}`
    + ` at ${e.sourceFile || e.documentURI}:${e.lineNumber}`);
});
"""


def watch(page: Page) -> list[str]:
    """Console errors and warnings about either policy header, as they arrive."""
    console: list[str] = []

    def on_console(message: Any) -> None:
        text = message.text
        if "Content Security Policy" in text or "Permissions-Policy" in text:
            console.append(f"{message.type}: {text}")

    page.on("console", on_console)
    page.add_init_script(LISTEN)
    return console


def refusals(page: Page, console: list[str], path: str, *, allowed: tuple[str, ...] = ()):
    response = page.goto(path)
    assert response is not None and response.status == 200, path
    assert response.headers.get("content-security-policy"), path
    assert "camera=()" in response.headers.get("permissions-policy", ""), path
    page.wait_for_load_state("networkidle")
    found = page.evaluate("window.__cspViolations") + console
    console.clear()
    return [v for v in found if not any(a in v for a in allowed)]


def assert_govuk_frontend_started(page: Page) -> None:
    classes = page.locator("body").get_attribute("class") or ""
    assert "js-enabled" in classes and "govuk-frontend-supported" in classes, classes
    # initAll() marks each component it starts
    assert page.locator("[data-module='govuk-skip-link'][data-govuk-skip-link-init]").count()


def test_service_pages_run_under_the_policy(page, sign_in, alice, manager, agency_a):
    action = make_action(agency=agency_a, lead=alice, by=manager)
    console = watch(page)
    sign_in(page, alice)
    for path in ("/", f"/actions/{action.pk}/", "/actions/", "/reviews/"):
        assert refusals(page, console, path) == [], path
        assert_govuk_frontend_started(page)


def test_the_sign_in_page_runs_under_the_policy(page):
    console = watch(page)
    assert refusals(page, console, "/sign-in/") == []
    assert_govuk_frontend_started(page)


def test_the_admin_runs_under_the_policy(page, sign_in, agency_a):
    root = UserFactory(username="root", is_staff=True, is_superuser=True)
    console = watch(page)
    sign_in(page, root)
    for path in (
        "/admin/",
        "/admin/agencies/agency/",
        f"/admin/agencies/agency/{agency_a.pk}/change/",
        "/admin/auth/user/add/",
    ):
        assert refusals(page, console, path) == [], path


def test_the_browsable_api_runs_under_the_policy(page, sign_in, alice):
    console = watch(page)
    sign_in(page, alice)
    assert refusals(page, console, "/api/v1/") == []
    assert refusals(page, console, "/api/v1/actions/") == []
    # DRF's own scripts ran (jQuery and Bootstrap, from our static files)
    assert page.evaluate("typeof window.jQuery === 'function' && !!jQuery.fn.dropdown")


def test_the_api_docs_run_under_their_policy(page, sign_in, alice):
    console = watch(page)
    sign_in(page, alice)
    # The one refusal expected: Redoc's bundle asks a CDN for its logo (see test_api_docs).
    found = refusals(page, console, "/api/v1/docs/", allowed=("cdn.redoc.ly",))
    assert found == []
    page.get_by_role("heading", name="Actions", exact=False).first.wait_for()
