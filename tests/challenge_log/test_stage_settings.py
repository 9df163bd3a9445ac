"""The partnership changes a stage's working days on the stage settings page (the admin):
an open challenge keeps the deadline it was given when its stage opened; the next
challenge to reach the stage (raised, or escalated to it) gets the new working days. The
page says so."""

from __future__ import annotations

from datetime import date

import pytest
from django.urls import reverse

from challenge_log import services
from challenge_log.admin import CHANGES_APPLY
from challenge_log.models import Stage
from core.workdays import add_working_days
from tests.factories.challenge_log import make_challenge, respond

pytestmark = pytest.mark.django_db
MONDAY = date(2027, 3, 1)


def change_days(client, stage: Stage, working_days: int) -> None:
    url = reverse("admin:challenge_log_stage_change", args=[stage.pk])
    page = client.get(url)
    assert page.status_code == 200
    assert CHANGES_APPLY in page.content.decode()
    response = client.post(
        url,
        {
            "number": stage.number,
            "name": stage.name,
            "responder": stage.responder,
            "working_days": working_days,
            "urgent_working_days": stage.urgent_working_days,
            "_save": "Save",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    stage.refresh_from_db()
    assert stage.working_days == working_days


def test_changing_a_stages_days_leaves_open_challenges_deadlines_alone(
    admin_client, bob, charlie, agency_b
):
    first, second = Stage.objects.order_by("number")[:2]
    waiting = make_challenge(raiser=bob, against=agency_b, today=MONDAY)
    assert waiting.deadline == date(2027, 3, 8)  # 5 working days
    answered = make_challenge(raiser=bob, against=agency_b, today=MONDAY, case_reference="LCS-2")
    respond(answered, by=charlie)
    at_stage_2 = make_challenge(raiser=bob, against=agency_b, today=MONDAY, case_reference="LCS-3")
    respond(at_stage_2, by=charlie)
    services.challenge_escalate(challenge=at_stage_2, by=bob, reason="No visit", today=MONDAY)
    at_stage_2.refresh_from_db()
    assert at_stage_2.stage == second and at_stage_2.deadline == date(2027, 3, 8)

    change_days(admin_client, first, 10)
    change_days(admin_client, second, 8)

    # the open challenges keep the deadlines they were given
    for challenge, deadline in ((waiting, date(2027, 3, 8)), (at_stage_2, date(2027, 3, 8))):
        challenge.refresh_from_db()
        assert challenge.deadline == deadline
    # the next to reach each stage gets its new working days
    raised = make_challenge(raiser=bob, against=agency_b, today=MONDAY, case_reference="LCS-4")
    assert raised.deadline == add_working_days(MONDAY, 10) == date(2027, 3, 15)
    services.challenge_escalate(
        challenge=answered, by=bob, reason="Still no visit", today=date(2027, 3, 2)
    )
    answered.refresh_from_db()
    assert answered.stage == second
    assert answered.deadline == add_working_days(date(2027, 3, 2), 8) == date(2027, 3, 12)


def test_the_stage_list_names_the_working_days(admin_client):
    page = admin_client.get(reverse("admin:challenge_log_stage_changelist")).content.decode()
    assert "Practitioner to practitioner" in page
