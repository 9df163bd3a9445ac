"""A step posted from the action page that cannot be taken: the step is checked before
its form is read. One the user may never take is a 403; one the action's state does not
allow (now, or by the time it runs) goes back to the action page with the reason in the
error banner (post/redirect/get), never an error summary linking to a form the page no
longer shows."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse
from django.utils.html import escape
from django_fsm_log.models import StateLog

from actions import services
from actions.models import ActionState as S
from tests.conftest import login
from tests.factories import ActionFactory, RecommendationFactory, ReviewFactory


@pytest.fixture
def action(alice, manager, agency_a):
    rec = RecommendationFactory(review=ReviewFactory(lead_agency=agency_a))
    return ActionFactory(agency=agency_a, lead=alice, by=manager, source=rec)


def step_url(action, step):
    return reverse("actions:step", args=[action.pk, step])


def assert_refused_with_message(response, action, message: str) -> None:
    """Redirected to the action page, which shows ``message`` in the error banner and
    links to no field that is not on the page."""
    assert response.redirect_chain == [(action.get_absolute_url(), 302)]
    assert response.status_code == 200
    html = response.content.decode()
    banner = re.search(r'<div class="govuk-error-summary".*?</div>\s*</div>\s*</div>', html, re.S)
    assert banner and message in banner.group(0)
    for target in re.findall(r'href="#([^"]+)"', banner.group(0)):
        assert f'id="{target}"' in html, f"the error links to #{target}, not on the page"


@pytest.mark.django_db
def test_early_sign_off_goes_back_to_the_action_with_the_reason(action, alice):
    services.action_start_work(action=action, by=alice)
    client = login(alice)
    response = client.post(step_url(action, "sign_off"), {"sign_off-note": "Done"}, follow=True)
    assert_refused_with_message(response, action, services.NOT_ACCEPTED)
    assert "id_sign_off-note" not in response.content.decode()
    assert f"<title>Error: {escape(action)}" in response.content.decode()
    # the message is shown once: the next page has no error in its title
    again = client.get(action.get_absolute_url()).content.decode()
    assert "<title>Error:" not in again
    action.refresh_from_db()
    assert action.state == S.IN_PROGRESS


@pytest.mark.django_db
def test_a_second_cancel_click_is_refused_once_the_first_has_cancelled(action, manager):
    client = login(manager)
    first = client.post(
        step_url(action, "cancel"), {"cancel-reason": "Duplicate", "confirm": "yes"}
    )
    assert first.status_code == 302
    second = client.post(
        step_url(action, "cancel"), {"cancel-reason": "Duplicate", "confirm": "yes"}, follow=True
    )
    assert_refused_with_message(second, action, services.ALREADY_CLOSED)
    # the first click's success and the second's refusal, and no form for a closed action
    assert "Action cancelled." in second.content.decode()
    assert "id_cancel-reason" not in second.content.decode()
    action.refresh_from_db()
    assert action.state == S.CANCELLED
    assert StateLog.objects.for_(action).filter(transition="cancel").count() == 1


@pytest.mark.django_db
def test_a_step_on_a_cancelled_action_says_it_is_cancelled(action, alice, manager):
    services.action_cancel(action=action, by=manager, reason="Duplicate")
    response = login(alice).post(step_url(action, "start"), {}, follow=True)
    assert_refused_with_message(response, action, services.CANCELLED_NO_CHANGES)


@pytest.mark.django_db
def test_a_step_refused_while_it_runs_goes_back_with_the_reason(action, alice):
    """Submitting with no evidence: the step is offered, the service refuses it."""
    services.action_start_work(action=action, by=alice)
    response = login(alice).post(step_url(action, "submit"), {}, follow=True)
    assert_refused_with_message(response, action, services.NO_EVIDENCE)
    action.refresh_from_db()
    assert action.state == S.IN_PROGRESS


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("who", "step", "data"),
    [
        # invalid forms too: the permission is checked before the form is read
        ("bob", "progress", {"progress-text": ""}),
        ("bob", "start", {}),
        ("alice", "cancel", {"cancel-reason": ""}),
        ("alice", "return", {"return-reason": ""}),
        ("li", "sign_off", {}),
        ("chair", "learning_check", {"learning_check-method": "x"}),
    ],
)
def test_a_step_the_user_may_not_take_is_403_whatever_the_form(request, action, who, step, data):
    services.action_start_work(action=action, by=request.getfixturevalue("alice"))
    response = login(request.getfixturevalue(who)).post(step_url(action, step), data)
    assert response.status_code == 403
    assert b"There is a problem" not in response.content  # no form errors
    action.refresh_from_db()
    assert action.state == S.IN_PROGRESS


@pytest.mark.django_db
def test_a_permitted_step_the_state_does_not_allow_ignores_the_form(action, li):
    """L&I returning evidence never submitted: the reason is not asked for."""
    response = login(li).post(step_url(action, "return"), {"return-reason": ""}, follow=True)
    assert_refused_with_message(response, action, services.NOT_SUBMITTED)
    assert "Enter the reason for returning the evidence" not in response.content.decode()


@pytest.mark.django_db
def test_an_offered_steps_form_errors_stay_on_its_form(action, alice):
    services.action_start_work(action=action, by=alice)
    response = login(alice).post(step_url(action, "progress"), {"progress-text": ""})
    assert response.status_code == 400
    html = response.content.decode()
    assert 'href="#id_progress-text"' in html and 'id="id_progress-text"' in html
