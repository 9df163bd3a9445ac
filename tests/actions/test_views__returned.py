"""Issue 9: returned evidence. The reason is shown at the top of the action page (a
GOV.UK notification banner, from the latest return), and evidence or progress can be
added at once: doing so takes the action back to in progress (no "Start work" first)."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.html import escape
from django_fsm_log.models import StateLog

from actions import services
from actions.models import ActionState as S
from tests.conftest import login
from tests.factories import ActionFactory, walk_to

pytestmark = pytest.mark.django_db

REASON = "Attendance figures are missing for the March sessions"


@pytest.fixture
def returned(agency_a, alice, manager, li):
    action = ActionFactory(agency=agency_a, lead=alice, by=manager)
    walk_to(action, S.EVIDENCE_SUBMITTED, lead=alice)
    services.action_return_evidence(action=action, by=li, reason=REASON)
    action.refresh_from_db()
    assert action.state == S.RETURNED
    return action


def test_the_reason_is_at_the_top_of_the_action_page(returned, alice, li):
    html = login(alice).get(returned.get_absolute_url()).content.decode()
    assert "govuk-notification-banner" in html and "Evidence returned" in html
    banner = html[html.index("govuk-notification-banner") :]
    banner = banner[: banner.index("</div>\n</div>")]
    assert escape(REASON) in banner
    assert (li.get_full_name() or li.username) in banner


def test_the_banner_shows_the_latest_return(returned, alice, li):
    services.action_add_evidence(action=returned, by=alice, description="March register")
    services.action_submit_evidence(action=returned, by=alice)
    services.action_return_evidence(action=returned, by=li, reason="Now the April sessions")
    html = login(alice).get(returned.get_absolute_url()).content.decode()
    banner = html[html.index("govuk-notification-banner") :]
    banner = banner[: banner.index("</div>\n</div>")]
    assert "Now the April sessions" in banner and escape(REASON) not in banner


def test_no_banner_once_the_work_resumes(returned, alice):
    services.action_report_progress(action=returned, by=alice, text="Collecting figures")
    html = login(alice).get(returned.get_absolute_url()).content.decode()
    assert "Evidence returned" not in html


def test_evidence_is_offered_and_added_at_once_on_the_page(returned, alice):
    client = login(alice)
    page = client.get(returned.get_absolute_url()).content.decode()
    assert reverse("actions:step", args=[returned.pk, "evidence"]) in page
    response = client.post(
        reverse("actions:step", args=[returned.pk, "evidence"]),
        {"evidence-description": "The March attendance register"},
    )
    assert response.status_code == 302
    returned.refresh_from_db()
    assert returned.state == S.IN_PROGRESS
    assert returned.evidence.filter(description="The March attendance register").exists()
    # the move back to work is on the history, by the lead
    log = StateLog.objects.filter(object_id=returned.pk, state=S.IN_PROGRESS).latest("pk")
    assert log.by == alice and log.transition == "start_work"


def test_evidence_through_the_api_while_returned(returned, alice):
    client = login(alice)
    response = client.post(
        f"/api/v1/actions/{returned.pk}/evidence/", {"description": "Register for March"}
    )
    assert response.status_code == 201, response.content
    returned.refresh_from_db()
    assert returned.state == S.IN_PROGRESS


def test_invalid_evidence_leaves_it_returned(returned, alice):
    with pytest.raises(ValidationError):
        services.action_add_evidence(action=returned, by=alice, description="  ")
    returned.refresh_from_db()
    assert returned.state == S.RETURNED
    response = login(alice).post(
        reverse("actions:step", args=[returned.pk, "evidence"]), {"evidence-description": ""}
    )
    assert response.status_code in (200, 400)
    returned.refresh_from_db()
    assert returned.state == S.RETURNED and not returned.evidence.filter(description="").exists()


def test_someone_who_may_not_update_still_may_not(returned, bob):
    response = login(bob).post(
        reverse("actions:step", args=[returned.pk, "evidence"]), {"evidence-description": "x"}
    )
    assert response.status_code == 403
    returned.refresh_from_db()
    assert returned.state == S.RETURNED
