"""Issue 9, "Holding each other to account": an agency lead no longer moves the target
date; they ask for an extension, which the partnership manager approves or refuses.
Until then an overdue action stays overdue (page, lists, export); the original target
date survives every change and is shown beside the current one with the count."""

from __future__ import annotations

import csv
import io

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from rest_framework.test import APIClient

from actions import services
from actions.models import ActionChange, ExtensionDecision, ExtensionRequest, Rag
from actions.models import ActionState as S
from core.models import Notification
from core.transitions import TransitionForbidden, TransitionRefused
from tests.conftest import login
from tests.factories import in_days, walk_to
from tests.factories.actions import make_action
from workflows.base import open_tasks


def api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def overdue(agency_a, alice, manager):
    return make_action(agency=agency_a, lead=alice, by=manager, target_in_days=-30)


def ask(action, by, days=90, reason="Staffing gaps"):
    return services.action_ask_extension(
        action=action, by=by, new_target_date=in_days(days), reason=reason
    )


def step_url(action, step):
    return reverse("actions:step", args=[action.pk, step])


def ask_fields(days: int, reason: str = "Staffing gaps") -> dict[str, str]:
    day = in_days(days)
    return {
        "ask_extension-new_target_date_0": str(day.day),
        "ask_extension-new_target_date_1": str(day.month),
        "ask_extension-new_target_date_2": str(day.year),
        "ask_extension-reason": reason,
    }


def export_rows(user) -> list[dict[str, str]]:
    response = login(user).get(reverse("actions:export", args=["csv"]))
    chunks = response.streaming_content if response.streaming else [response.content]  # type: ignore[attr-defined]
    text = b"".join(chunks)
    return list(csv.DictReader(io.StringIO(text.decode("utf-8-sig"))))


# -- the service -------------------------------------------------------------------------
@pytest.mark.django_db
def test_asking_keeps_the_action_overdue_and_tells_the_partnership_manager(overdue, alice, manager):
    original = overdue.target_date
    request = ask(overdue, alice)
    overdue.refresh_from_db()
    assert request.decision == ExtensionDecision.PENDING
    assert overdue.target_date == original and overdue.rag() == Rag.RED
    assert overdue.extensions == 0
    note = Notification.objects.get(recipient=manager)
    assert "Staffing gaps" in note.body and str(overdue) in note.subject


@pytest.mark.django_db
def test_one_request_waits_at_a_time(overdue, alice):
    ask(overdue, alice)
    with pytest.raises(TransitionRefused) as exc:
        ask(overdue, alice, days=120)
    assert exc.value.message == services.EXTENSION_PENDING
    assert ExtensionRequest.objects.count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("days", "reason", "field"),
    [(-40, "Late", "new_target_date"), (-1, "Late", "new_target_date"), (90, " ", "reason")],
)
def test_a_bad_request_changes_nothing(overdue, alice, days, reason, field):
    with pytest.raises(ValidationError) as exc:
        ask(overdue, alice, days=days, reason=reason)
    assert field in exc.value.message_dict
    assert not ExtensionRequest.objects.exists() and not Notification.objects.exists()


@pytest.mark.django_db
def test_the_new_date_must_be_after_the_current_one(agency_a, alice, manager):
    action = make_action(agency=agency_a, lead=alice, by=manager, target_in_days=60)
    with pytest.raises(ValidationError) as exc:
        ask(action, alice, days=30)
    assert exc.value.message_dict["new_target_date"] == [services.EXTENSION_NOT_LATER]


@pytest.mark.django_db
def test_only_an_agency_lead_of_the_agency_asks_and_only_the_manager_decides(
    overdue, alice, bob, charlie, manager, li
):
    for user in (bob, charlie, manager, li):
        with pytest.raises(TransitionForbidden):
            ask(overdue, user)
    ask(overdue, alice)
    for user in (alice, bob, charlie, li):
        with pytest.raises(TransitionForbidden):
            services.action_decide_extension(
                action=overdue, by=user, decision="approve", reason="Fine"
            )
    assert ExtensionRequest.objects.get().decision == ExtensionDecision.PENDING


@pytest.mark.django_db
def test_a_signed_off_action_takes_no_request(agency_a, alice, manager):
    action = make_action(agency=agency_a, lead=alice, by=manager)
    walk_to(action, S.SIGNED_OFF)
    with pytest.raises(TransitionRefused) as exc:
        ask(action, alice)
    assert exc.value.message == services.EXTENSION_NOT_NOW


@pytest.mark.django_db
def test_approving_moves_the_date_as_a_change_of_details_does(overdue, alice, manager):
    original = overdue.target_date
    task = open_tasks(overdue).get()
    ask(overdue, alice, days=90)
    Notification.objects.all().delete()
    request = services.action_decide_extension(
        action=overdue, by=manager, decision="approve", reason="Agreed at the board"
    )
    overdue.refresh_from_db()
    assert request.decision == ExtensionDecision.APPROVED and request.decided_by == manager
    assert overdue.target_date == in_days(90) and overdue.rag() == Rag.GREEN
    assert overdue.original_target_date == original and overdue.extensions == 1
    task.refresh_from_db()
    assert task.due.due_on == in_days(90)
    change = ActionChange.objects.get()
    assert change.reason == "Extension approved: Agreed at the board"
    assert set(change.fields) == {"target_date"}
    note = Notification.objects.get(recipient=alice)
    assert "approved" in note.subject and "Agreed at the board" in note.body
    # nothing left to decide
    with pytest.raises(TransitionRefused):
        services.action_decide_extension(
            action=overdue, by=manager, decision="approve", reason="Again"
        )


@pytest.mark.django_db
def test_refusing_keeps_the_date_and_tells_the_lead(overdue, alice, manager):
    original = overdue.target_date
    ask(overdue, alice)
    services.action_decide_extension(
        action=overdue, by=manager, decision="refuse", reason="Deliver it now"
    )
    overdue.refresh_from_db()
    assert overdue.target_date == original and overdue.extensions == 0
    assert overdue.rag() == Rag.RED and not ActionChange.objects.exists()
    assert ExtensionRequest.objects.get().decision == ExtensionDecision.REFUSED
    assert "refused" in Notification.objects.get(recipient=alice).subject
    ask(overdue, alice, days=60)  # a new request may follow


@pytest.mark.django_db
def test_a_decision_needs_a_reason(overdue, alice, manager):
    ask(overdue, alice)
    with pytest.raises(ValidationError):
        services.action_decide_extension(action=overdue, by=manager, decision="approve", reason="")
    assert ExtensionRequest.objects.get().decision == ExtensionDecision.PENDING


# -- overdue stays overdue until approved; the original date survives ------------------
@pytest.mark.django_db
def test_an_overdue_action_stays_overdue_everywhere_until_approved(overdue, alice, manager):
    original = overdue.target_date
    ask(overdue, alice, days=90)
    page = login(manager).get(overdue.get_absolute_url())
    assert page.context["rag"] == Rag.RED
    assert "Extension asked for" in page.content.decode()
    red = login(manager).get(reverse("actions:list") + "?rag=red")
    assert overdue in list(red.context["page"].object_list)
    [row] = export_rows(manager)
    assert row["RAG"] == "Overdue" and row["Extensions"] == "0"

    services.action_decide_extension(action=overdue, by=manager, decision="approve", reason="Ok")
    # a direct change by the partnership manager later: still the original date kept
    services.action_update_details(
        action=overdue, by=manager, reason="Board date", target_date=in_days(100)
    )
    overdue.refresh_from_db()
    assert overdue.original_target_date == original and overdue.extensions == 1
    red = login(manager).get(reverse("actions:list") + "?rag=red")
    assert overdue not in list(red.context["page"].object_list)
    [row] = export_rows(manager)
    assert row["RAG"] == "On track"
    assert row["Original target date"] == original.isoformat()
    assert row["Extensions"] == "1"
    shown = f"originally {original:%-d %b %Y}, extended once"
    assert shown in login(manager).get(overdue.get_absolute_url()).content.decode()
    assert shown in login(manager).get(reverse("actions:list")).content.decode()


# -- pages -------------------------------------------------------------------------------
@pytest.mark.django_db
def test_the_lead_asks_and_the_manager_decides_on_the_page(overdue, alice, manager):
    client = login(alice)
    page = client.get(overdue.get_absolute_url())
    assert [n.step.name for n in page.context["next_steps"]][-1] == "ask_extension"
    bad = client.post(step_url(overdue, "ask_extension"), ask_fields(90, reason=""))
    assert bad.status_code == 400 and "Enter the reason for the extension" in bad.content.decode()
    response = client.post(step_url(overdue, "ask_extension"), ask_fields(90))
    assert response.status_code == 302
    names = [n.step.name for n in client.get(overdue.get_absolute_url()).context["next_steps"]]
    assert "ask_extension" not in names  # one at a time

    client = login(manager)
    assert "decide_extension" in [
        n.step.name for n in client.get(overdue.get_absolute_url()).context["next_steps"]
    ]
    response = client.post(
        step_url(overdue, "decide_extension"),
        {"decide_extension-decision": "approve", "decide_extension-reason": "Agreed"},
    )
    assert response.status_code == 302
    overdue.refresh_from_db()
    assert overdue.target_date == in_days(90) and overdue.extensions == 1


@pytest.mark.django_db
def test_another_agencys_lead_gets_404(overdue, alice, charlie):
    assert (
        login(charlie).post(step_url(overdue, "ask_extension"), ask_fields(90)).status_code == 404
    )
    r = api(charlie).post(
        f"/api/v1/actions/{overdue.pk}/ask-extension/",
        {"new_target_date": in_days(90).isoformat(), "reason": "Mine now"},
        format="json",
    )
    assert r.status_code == 404
    ask(overdue, alice)
    r = api(charlie).post(
        f"/api/v1/actions/{overdue.pk}/decide-extension/",
        {"decision": "approve", "reason": "Mine now"},
        format="json",
    )
    assert r.status_code == 404
    assert ExtensionRequest.objects.get().decision == ExtensionDecision.PENDING


# -- API ---------------------------------------------------------------------------------
@pytest.mark.django_db
def test_the_api_asks_and_decides(overdue, alice, manager):
    url = f"/api/v1/actions/{overdue.pk}"
    r = api(alice).post(f"{url}/ask-extension/", {"reason": "x"}, format="json")
    assert r.status_code == 400 and "new_target_date" in r.json()
    body = {"new_target_date": in_days(90).isoformat(), "reason": "Staffing gaps"}
    r = api(alice).post(f"{url}/ask-extension/", body, format="json")
    assert r.status_code == 201 and r.json()["decision"] == "pending"
    assert api(alice).post(f"{url}/ask-extension/", body, format="json").status_code == 409
    r = api(alice).post(
        f"{url}/decide-extension/", {"decision": "approve", "reason": "Me"}, format="json"
    )
    assert r.status_code == 403
    r = api(manager).post(
        f"{url}/decide-extension/", {"decision": "maybe", "reason": "Hm"}, format="json"
    )
    assert r.status_code == 400 and "decision" in r.json()
    r = api(manager).post(
        f"{url}/decide-extension/", {"decision": "approve", "reason": "Ok"}, format="json"
    )
    assert r.status_code == 200 and r.json()["decision"] == "approved"
    overdue.refresh_from_db()
    assert overdue.target_date == in_days(90) and overdue.extensions == 1


# -- confirmation before cancelling and signing off --------------------------------------
def token_of(response, prefix: str) -> str:
    import re

    html = response.content.decode()
    found = re.search(rf'name="{prefix}-submission_token" value="([^"]+)"', html)
    assert found, f"no {prefix} token on the page"
    return found.group(1)


@pytest.mark.django_db
def test_cancelling_asks_for_confirmation_first(overdue, manager):
    client = login(manager)
    token = token_of(client.get(overdue.get_absolute_url()), "cancel")
    data = {"cancel-reason": "Duplicate of LM1.2", "cancel-submission_token": token}
    page = client.post(step_url(overdue, "cancel"), data)
    assert page.status_code == 200
    html = page.content.decode()
    assert "govuk-warning-text" in html and "It cannot be undone." in html
    assert 'value="Duplicate of LM1.2"' in html and f'value="{token}"' in html
    assert 'name="confirm" value="yes"' in html
    overdue.refresh_from_db()
    assert overdue.state == S.ASSIGNED  # nothing changed yet
    done = client.post(step_url(overdue, "cancel"), {**data, "confirm": "yes"})
    assert done.status_code == 302
    overdue.refresh_from_db()
    assert overdue.state == S.CANCELLED
    # the one-time token: a resubmitted confirm page does it once
    again = client.post(step_url(overdue, "cancel"), {**data, "confirm": "yes"}, follow=True)
    assert "you cancelled" in again.content.decode()


@pytest.mark.django_db
def test_signing_off_asks_for_confirmation_first(agency_a, alice, manager, li):
    action = make_action(agency=agency_a, lead=alice, by=manager)
    walk_to(action, S.ACCEPTED, li=li)
    client = login(alice)
    page = client.post(step_url(action, "sign_off"), {"sign_off-note": "All done"})
    assert page.status_code == 200 and "Yes, sign off" in page.content.decode()
    action.refresh_from_db()
    assert action.state == S.ACCEPTED
    client.post(step_url(action, "sign_off"), {"sign_off-note": "All done", "confirm": "yes"})
    action.refresh_from_db()
    assert action.state == S.SIGNED_OFF


@pytest.mark.django_db
def test_the_api_needs_no_confirmation(overdue, manager):
    r = api(manager).post(
        f"/api/v1/actions/{overdue.pk}/cancel/", {"reason": "Duplicate"}, format="json"
    )
    assert r.status_code == 200 and r.json()["state"] == "cancelled"
