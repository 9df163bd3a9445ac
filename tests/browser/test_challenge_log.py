"""The challenge log in a real browser, with and without JavaScript: a practitioner raises
a challenge, the challenged agency responds, the raiser escalates it, and (after two more
stages) the Chair decides. Every page axe-clean; errors in the GOV.UK error summary."""

from __future__ import annotations

from urllib.parse import urlparse

import pytest

from challenge_log.models import Challenge, ChallengeState
from tests.browser.pages import assert_accessible, assert_error_summary, check_page, submit
from tests.factories.challenge_log import walk_challenge_to

pytestmark = pytest.mark.browser
S = ChallengeState


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "nojs"])
def test_raise_respond_escalate_and_the_chair_decides(
    request, javascript, sign_in, bob, charlie, chair, agency_a, agency_b
):
    page = request.getfixturevalue("page" if javascript else "nojs_page")
    sign_in(page, bob)
    check_page(page, "/challenges/")
    submit(page.get_by_role("link", name="Raise a challenge"))
    assert_accessible(page)
    # a child's name where the case reference goes: refused, in the error summary
    page.get_by_label("Professional difference about a child").check()
    page.get_by_label("Agency challenged").select_option(label=agency_b.name)
    page.get_by_label("Case reference (professional differences only)").fill("Jane Smith")
    page.get_by_label("Levels of need or thresholds").check()
    page.get_by_label("What happened").fill("A strategy discussion was declined")
    page.get_by_label("The outcome you seek").fill("A strategy discussion this week")
    submit(page.get_by_role("button", name="Raise challenge"))
    assert_error_summary(page, links_to=["id_case_reference"], js=javascript)
    assert_accessible(page)
    assert not Challenge.objects.exists()
    page.get_by_label("Case reference (professional differences only)").fill("LCS-104233")
    submit(page.get_by_role("button", name="Raise challenge"))
    assert Challenge.objects.exists(), page.locator(".govuk-error-summary").inner_text()
    challenge = Challenge.objects.get()
    url = f"/challenges/{challenge.pk}/"
    assert urlparse(page.url).path == url
    assert_accessible(page)

    # the challenged agency responds
    page.context.clear_cookies()
    sign_in(page, charlie)
    check_page(page, url)
    submit(page.get_by_role("button", name="Send response"))
    assert_error_summary(page, links_to=["id_respond-text"], js=javascript)
    page.get_by_label("Your response").fill("The threshold is not met")
    submit(page.get_by_role("button", name="Send response"))
    assert "The threshold is not met" in page.content()

    # the raiser escalates to stage 2
    page.context.clear_cookies()
    sign_in(page, bob)
    check_page(page, url)
    page.get_by_label("Reason").first.fill("The threshold is met: the school's concerns")
    submit(page.get_by_role("button", name="Escalate"))
    challenge.refresh_from_db()
    assert challenge.stage.number == 2 and challenge.state == S.AWAITING_RESPONSE
    assert_accessible(page)

    # two more stages, then the Chair
    walk_challenge_to(challenge, 4)
    page.context.clear_cookies()
    sign_in(page, chair)
    check_page(page, "/challenges/chair/")
    assert "LCS-104233" in page.content()
    check_page(page, url)
    page.get_by_label("Your decision and its reasons").fill("The threshold is met")
    page.get_by_label("The outcome").fill("A strategy discussion took place")
    page.get_by_label("A short vignette").fill("A declined discussion was reinstated by the Chair")
    submit(page.get_by_role("button", name="Record decision"))
    challenge.refresh_from_db()
    assert challenge.state == S.RESOLVED_BY_CHAIR
    assert_accessible(page)
    check_page(page, "/challenges/report/")
