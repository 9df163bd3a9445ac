"""The "Change details" page of an action: what each person may change, the reason, the
error summary, 403 and 404, a closed action, and the change on the action's timeline."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from actions import services
from actions.models import ActionChange
from agencies.models import Role
from tests.conftest import login
from tests.factories import in_days, member
from tests.factories.actions import make_action


@pytest.fixture
def alex(agency_a):
    """A second agency lead of agency A."""
    return member(agency_a, Role.AGENCY_LEAD, "alex")


@pytest.fixture
def action(alice, agency_a, manager):
    return make_action(agency=agency_a, lead=alice, by=manager, reference="1.1")


def edit_url(action):
    return reverse("actions:edit", args=[action.pk])


def name(user) -> str:
    return user.get_full_name() or user.username


def date_fields(day) -> dict[str, str]:
    return {
        "target_date_0": str(day.day),
        "target_date_1": str(day.month),
        "target_date_2": str(day.year),
    }


def snapshot(action) -> tuple:
    action.refresh_from_db()
    return (action.description, action.lead_id, action.target_date, action.state)


def post_data(action, **changes) -> dict[str, str]:
    """The form as the page fills it in (every field at its current value), with
    ``changes`` applied."""
    data = {
        "description": action.description,
        "lead": str(action.lead_id),
        **date_fields(action.target_date),
        "reason": "",
    }
    for key, value in changes.items():
        if key == "target_date":
            data.update(date_fields(value))
        else:
            data[key] = str(value)
    return data


# -- the form -----------------------------------------------------------------------------------
@pytest.mark.django_db
def test_manager_sees_every_detail_at_its_current_value(action, manager):
    page = login(manager).get(edit_url(action))
    assert page.status_code == 200
    html = page.content.decode()
    form = page.context["form"]
    assert list(form.fields) == ["description", "lead", "target_date", "reason"]
    assert 'id="id_description"' in html and action.description in html
    assert f'value="{action.target_date.day}"' in html  # the date starts at the target date
    assert f'<option value="{action.lead_id}" selected>' in html
    assert "Why are you making this change?" in html


@pytest.mark.django_db
def test_agency_lead_sees_the_description_read_only(action, alice):
    page = login(alice).get(edit_url(action))
    assert page.status_code == 200
    # Issue 9: the target date is the partnership manager's (a lead asks for an extension)
    assert list(page.context["form"].fields) == ["lead", "reason"]
    html = page.content.decode()
    assert 'id="id_description"' not in html
    assert action.description in html
    assert "Only the partnership manager can change what the action is." in html


@pytest.mark.django_db
def test_the_lead_is_chosen_from_the_owning_agencys_leads(action, alice, alex, bob, charlie):
    lead = login(alice).get(edit_url(action)).context["form"].fields["lead"]
    assert set(lead.queryset) == {alice, alex}  # not the practitioner, not another agency


@pytest.mark.django_db
def test_a_current_lead_who_is_no_longer_a_lead_is_still_offered(action, alice, alex, manager):
    alice.memberships.update(role=Role.PRACTITIONER)
    lead = login(manager).get(edit_url(action)).context["form"].fields["lead"]
    assert set(lead.queryset) == {alice, alex}


# -- saving ---------------------------------------------------------------------------------------
@pytest.mark.django_db
def test_manager_changes_the_details_and_the_timeline_shows_it(action, alice, alex, manager):
    client = login(manager)
    old_date = action.target_date
    response = client.post(
        edit_url(action),
        post_data(
            action,
            description="Deliver neglect training to every team",
            lead=alex.pk,
            target_date=in_days(100),
            reason="Agreed at the March board",
        ),
    )
    assert response.status_code == 302 and response.url == action.get_absolute_url()
    action.refresh_from_db()
    assert action.description == "Deliver neglect training to every team"
    assert action.lead == alex and action.target_date == in_days(100)
    change = ActionChange.objects.get()
    assert change.by == manager and change.reason == "Agreed at the March board"

    page = client.get(action.get_absolute_url())
    html = page.content.decode()
    assert f"The details of {action} have been changed." in html
    assert "Details changed" in html
    assert "Reason: Agreed at the March board" in html
    assert f"Named lead: {name(alice)} → {name(alex)}" in html
    assert f"Target date: {old_date:%-d %B %Y} → {in_days(100):%-d %B %Y}" in html
    assert (
        "Description: Deliver neglect training to all front-line staff → "
        "Deliver neglect training to every team"
    ) in html


@pytest.mark.django_db
def test_action_created_keeps_the_original_target_date(action, manager):
    from actions.views import timeline

    original = action.target_date
    for days, reason in ((90, "Later"), (120, "Later still")):
        services.action_update_details(
            action=action, by=manager, reason=reason, target_date=in_days(days)
        )
    entries = timeline(action, [])
    assert [e.title for e in entries][-3:] == [
        "Details changed",
        "Details changed",
        "Action created",
    ]
    assert entries[-1].text == f"Target date {original:%-d %B %Y}"
    assert entries[0].text == "Reason: Later still"


@pytest.mark.django_db
def test_agency_lead_cannot_change_the_target_date(action, alice):
    # Issue 9: a target date slipped into the lead's form is ignored (no such field).
    before = action.target_date
    response = login(alice).post(
        edit_url(action),
        {"lead": str(alice.pk), **date_fields(in_days(45)), "reason": "Trainer unavailable"},
    )
    assert response.status_code == 400
    action.refresh_from_db()
    assert action.target_date == before
    assert not ActionChange.objects.exists()


@pytest.mark.django_db
def test_a_description_slipped_into_the_agency_leads_form_is_ignored(action, alice, alex):
    before = action.description
    response = login(alice).post(
        edit_url(action),
        post_data(action, description="Rewritten", lead=alex.pk, reason="Later"),
    )
    assert response.status_code == 302
    action.refresh_from_db()
    assert action.description == before and action.lead == alex


@pytest.mark.django_db
def test_no_reason_is_an_error_and_changes_nothing(action, manager):
    before = snapshot(action)
    response = login(manager).post(edit_url(action), post_data(action, target_date=in_days(90)))
    assert response.status_code == 400
    html = response.content.decode()
    assert "There is a problem" in html and "<title>Error: " in html
    assert '<a href="#id_reason">Enter the reason for the change</a>' in html
    assert snapshot(action) == before and not ActionChange.objects.exists()


@pytest.mark.django_db
def test_nothing_changed_is_an_error(action, manager):
    before = snapshot(action)
    response = login(manager).post(edit_url(action), post_data(action, reason="Just checking"))
    assert response.status_code == 400
    assert services.NOTHING_CHANGED in response.content.decode()
    assert snapshot(action) == before and not ActionChange.objects.exists()


@pytest.mark.django_db
def test_a_date_that_does_not_exist_is_an_error(action, manager):
    before = snapshot(action)
    data = post_data(action, reason="Later")
    data.update({"target_date_0": "31", "target_date_1": "13", "target_date_2": "2027"})
    response = login(manager).post(edit_url(action), data)
    assert response.status_code == 400 and b"There is a problem" in response.content
    assert '<a href="#id_target_date_0">Target date must be a real date</a>' in (
        response.content.decode()
    )
    assert snapshot(action) == before


@pytest.mark.django_db
def test_a_lead_of_another_agency_is_not_a_choice(action, manager, charlie):
    before = snapshot(action)
    response = login(manager).post(
        edit_url(action), post_data(action, lead=charlie.pk, reason="Police lead")
    )
    assert response.status_code == 400
    assert "Select a valid choice" in response.content.decode()
    assert snapshot(action) == before


# -- who may ----------------------------------------------------------------------------------
@pytest.mark.django_db
@pytest.mark.parametrize("persona", ["bob", "amy", "chair", "li"])
def test_who_can_see_but_not_change_gets_403(request, action, persona):
    client = login(request.getfixturevalue(persona))
    before = snapshot(action)
    assert client.get(edit_url(action)).status_code == 403
    response = client.post(edit_url(action), post_data(action, target_date=in_days(9), reason="x"))
    assert response.status_code == 403
    assert snapshot(action) == before and not ActionChange.objects.exists()
    assert b"Change details" not in client.get(action.get_absolute_url()).content


@pytest.mark.django_db
def test_another_agencys_action_is_404_and_nothing_changes(action, charlie):
    client = login(charlie)
    before = snapshot(action)
    assert client.get(edit_url(action)).status_code == 404
    response = client.post(
        edit_url(action), post_data(action, target_date=in_days(9), reason="Not mine")
    )
    assert response.status_code == 404
    assert snapshot(action) == before and not ActionChange.objects.exists()
    assert client.get(reverse("actions:edit", args=[action.pk + 1000])).status_code == 404


@pytest.mark.django_db
def test_the_link_is_offered_to_who_may_change(action, alice, manager):
    for user in (alice, manager):
        html = login(user).get(action.get_absolute_url()).content.decode()
        assert f'href="{edit_url(action)}"' in html and "Change details" in html


# -- a closed action ------------------------------------------------------------------------------
@pytest.mark.django_db
def test_a_closed_action_cannot_be_changed(action, manager):
    services.action_cancel(action=action, by=manager, reason="Duplicate of 1.2")
    client = login(manager)
    assert b"Change details" not in client.get(action.get_absolute_url()).content
    before = snapshot(action)
    response = client.get(edit_url(action), follow=True)
    assert response.redirect_chain == [(action.get_absolute_url(), 302)]
    assert services.CLOSED_NO_EDIT in response.content.decode()
    response = client.post(
        edit_url(action), post_data(action, target_date=in_days(9), reason="Late"), follow=True
    )
    assert response.redirect_chain == [(action.get_absolute_url(), 302)]
    assert services.CLOSED_NO_EDIT in response.content.decode()
    assert snapshot(action) == before and not ActionChange.objects.exists()


@pytest.mark.django_db
def test_an_action_closed_while_the_form_was_open(action, manager):
    client = login(manager)
    assert client.get(edit_url(action)).status_code == 200
    services.action_cancel(action=action, by=manager, reason="Duplicate of 1.2")
    response = client.post(
        edit_url(action), post_data(action, target_date=in_days(9), reason="Late"), follow=True
    )
    assert services.CLOSED_NO_EDIT in response.content.decode()
    assert not ActionChange.objects.exists()


# -- the action page stays cheap ----------------------------------------------------------------
@pytest.mark.django_db
def test_the_action_page_costs_the_same_for_1_and_10_changes(
    action, alice, manager, django_assert_num_queries
):
    client = login(alice)
    url = action.get_absolute_url()
    services.action_update_details(action=action, by=manager, reason="r0", target_date=in_days(1))
    client.get(url)  # warm caches (content types, partnership row)
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    for i in range(2, 11):
        services.action_update_details(
            action=action, by=manager, reason=f"r{i}", target_date=in_days(i)
        )
    with django_assert_num_queries(len(ctx)):
        page = client.get(url)
    assert page.content.decode().count("Details changed") == 10
