"""Helpers for browser tests: visit a page, check it with axe-core, check its forms.

A test for a new page is a few lines::

    @pytest.mark.browser
    def test_action_page(live_server, page, sign_in, alice, action):
        sign_in(page, alice)
        check_page(page, f"/actions/{action.pk}/")

``check_page`` visits the URL, checks the status, that every asset the page asked for
loaded, and that axe-core finds no WCAG 2.2 AA violation. ``submit(locator)`` clicks a
form's button and waits for the next page. ``assert_error_summary`` checks the GOV.UK
error summary pattern after a failed form submission. A page without JavaScript is the
``nojs_page`` fixture; every helper works on it too.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from playwright.sync_api import Locator, Page, Response

ROOT = Path(__file__).resolve().parents[2]
AXE_JS = ROOT / "node_modules" / "axe-core" / "axe.min.js"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
ARTIFACTS = ROOT / "test-artifacts"


def _load_axe(page: Page) -> None:
    if not AXE_JS.exists():
        raise AssertionError(f"{AXE_JS} is missing: run `make install` (npm ci installs axe-core)")
    if page.evaluate("typeof window.axe") == "undefined":
        # Evaluated through the DevTools protocol, which the page's Content-Security-Policy
        # does not govern; add_script_tag would insert an inline <script> it refuses.
        page.evaluate(AXE_JS.read_text(encoding="utf-8"))


def _javascript_disabled(page: Page) -> bool:
    flag = getattr(page, "javascript_enabled", None)
    if flag is not None:
        return not flag
    # base.html's first script adds this class; it is missing only if scripts do not run
    return not page.evaluate("document.body.classList.contains('js-enabled')")


def axe_violations(page: Page, tags: list[str] | None = None) -> list[dict[str, Any]]:
    """axe-core's violations of the WCAG 2.2 AA rules on the page as it is now."""
    if not _javascript_disabled(page):
        return _run_axe(page, tags)
    # With JavaScript disabled axe.run never finishes (no timers, no microtasks), so check
    # a copy: the same DOM, minus its scripts, at the same URL (so the same CSS and fonts
    # load), in a throwaway context where only axe itself runs.
    html = re.sub(r"<script\b[^>]*>.*?</script>", "", page.content(), flags=re.S | re.I)
    url = page.url
    browser = page.context.browser
    assert browser is not None
    context = browser.new_context(java_script_enabled=True, viewport=page.viewport_size)
    try:
        copy = context.new_page()
        copy.route(
            lambda u: u == url,
            lambda route: route.fulfill(
                status=200, content_type="text/html; charset=utf-8", body=html
            ),
        )
        copy.goto(url)
        violations = _run_axe(copy, tags)
    finally:
        context.close()
    for v in violations:
        v["help"] += " (page without JavaScript)"
    return violations


def _run_axe(page: Page, tags: list[str] | None) -> list[dict[str, Any]]:
    _load_axe(page)
    result = page.evaluate(
        """async (tags) => {
            // WCAG 2.2 A and AA, and axe's best-practice "region" rule too: all content
            // inside a landmark (a back link outside <main> was not).
            const r = await axe.run(document, {runOnly: {type: 'tag', values: tags},
                                               rules: {region: {enabled: true}}});
            return r.violations.map(v => ({
                id: v.id, impact: v.impact, help: v.help, helpUrl: v.helpUrl,
                nodes: v.nodes.map(n => ({target: n.target.join(' '),
                                          html: n.html.slice(0, 200),
                                          summary: n.failureSummary || ''})),
            }));
        }""",
        tags or AXE_TAGS,
    )
    return list(result)


def format_violations(violations: list[dict[str, Any]]) -> str:
    lines = []
    for v in violations:
        lines.append(f"- {v['id']} ({v['impact']}): {v['help']}  [{v['helpUrl']}]")
        for node in v["nodes"]:
            lines.append(f"    at {node['target']}: {node['html']}")
            for detail in node["summary"].splitlines():
                if detail.strip():
                    lines.append(f"      {detail.strip()}")
    return "\n".join(lines)


def assert_accessible(page: Page, tags: list[str] | None = None) -> None:
    """Fail with a readable list if axe-core finds any WCAG 2.2 AA violation."""
    violations = axe_violations(page, tags)
    if violations:
        raise AssertionError(
            f"axe-core found {len(violations)} accessibility violation(s) on {page.url}:\n"
            + format_violations(violations)
        )


def assert_assets_loaded(page: Page) -> None:
    """Every request the page made for a local file (CSS, JS, fonts, images) succeeded.

    Needs the ``page`` fixture from tests/browser/conftest.py, which records failures."""
    failures = getattr(page, "asset_failures", None)
    if failures is None:
        return
    if failures:
        raise AssertionError(f"assets failed to load on {page.url}:\n" + "\n".join(failures))


def check_page(page: Page, url: str, status: int = 200, *, title: str | None = None) -> Response:
    """Visit ``url``; assert the status, that its assets loaded, the <title> (if given) and
    that axe-core finds no violations. Returns the response."""
    response = page.goto(url)
    assert response is not None, f"no response for {url}"
    assert response.status == status, f"{url}: expected {status}, got {response.status}"
    page.wait_for_load_state("load")
    if title is not None:
        assert page.title().startswith(title), f"{url}: title {page.title()!r}"
    assert_single_h1(page)
    assert_assets_loaded(page)
    assert_accessible(page)
    return response


def assert_single_h1(page: Page) -> None:
    count = page.locator("h1").count()
    assert count == 1, f"{page.url}: expected one <h1>, found {count}"


def assert_error_summary(
    page: Page, *, links_to: list[str], js: bool = True, fields_marked: bool = True
) -> None:
    """The GOV.UK error summary pattern: the summary is shown (and focused when JavaScript
    runs), the title starts "Error:", each message links to its field (``links_to`` are
    the field ids, in order) and, unless ``fields_marked`` is False (an error about the
    whole form), each field is marked in error and described by its message."""
    summary = page.locator(".govuk-error-summary")
    assert summary.count() == 1, "expected one error summary"
    assert summary.is_visible()
    assert page.title().startswith("Error: "), f"title should start 'Error: ': {page.title()!r}"
    hrefs = summary.locator(".govuk-error-summary__list a").evaluate_all(
        "links => links.map(a => a.getAttribute('href'))"
    )
    assert hrefs == [f"#{field_id}" for field_id in links_to], hrefs
    for field_id in links_to:
        field = page.locator(f"#{field_id}")
        assert field.count() == 1, f"error summary links to #{field_id}, which is not on the page"
        if not fields_marked:
            continue
        group = page.locator(f".govuk-form-group--error:has(#{field_id})")
        assert group.count() == 1, f"#{field_id} is not inside a form group marked in error"
        message = group.locator(".govuk-error-message")
        assert message.count() == 1, f"no error message by #{field_id}"
        message_id = message.get_attribute("id")
        # a text input carries aria-describedby itself; radios and checkboxes on the fieldset
        fieldset = group.locator("fieldset")
        holder = fieldset.first if fieldset.count() else field
        described = holder.get_attribute("aria-describedby")
        assert message_id and described and message_id in described.split(), (
            f"#{field_id}'s error message is not linked with aria-describedby"
        )
    if js:
        # govuk-frontend moves focus to the summary so screen readers announce it,
        # and a link in it moves focus to the field.
        assert summary.evaluate("el => el === document.activeElement"), "summary not focused"
        summary.locator(".govuk-error-summary__list a").first.click()
        focused = page.evaluate("document.activeElement && document.activeElement.id")
        assert focused == links_to[0], f"focus went to {focused!r}, not #{links_to[0]}"


def submit(locator: Locator) -> Response | None:
    """Click a button or link that loads a new page, and wait until that page has loaded
    (a bare ``click()`` returns before the POST and its redirect are done)."""
    with locator.page.expect_navigation(wait_until="load") as navigation:
        locator.click()
    return navigation.value


def success_banner(page: Page) -> str:
    banner = page.locator(".govuk-notification-banner--success")
    assert banner.count() >= 1, f"no success banner on {page.url}"
    return re.sub(r"\s+", " ", banner.first.inner_text()).strip()


def screenshot(page: Page, name: str) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
