"""The Django admin: a superuser manages agencies, people, memberships and the
partnership; memberships added there create the grants; the transition log is
read-only."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.forms import MultiWidget
from django_fsm_log.models import StateLog

from actions import services as action_services
from agencies.models import AgencyUserObjectPermission, Membership, Partnership, Role
from agencies.roles import AGENCY_ROLE_PERMISSIONS
from tests.factories import UserFactory
from tests.factories.actions import make_action

User = get_user_model()


@pytest.fixture
def admin_client(as_user, db):
    root = UserFactory(username="root", is_staff=True, is_superuser=True)
    return as_user(root)


@pytest.fixture
def state_log(alice, agency_a, manager):
    action = make_action(agency=agency_a, lead=alice, by=manager)
    action_services.action_start_work(action=action, by=alice, note="Starting")
    return StateLog.objects.get()


def grants(user) -> set[tuple[int, str]]:
    return set(
        AgencyUserObjectPermission.objects.filter(user=user).values_list(
            "content_object_id", "permission__codename"
        )
    )


def form_data(response) -> dict:
    """The POST data of an admin change form as rendered (main form and inlines)."""
    data: dict = {}

    def add(form):
        for name, field in form.fields.items():
            value = form[name].value()
            if value is None or name in form.Meta.__dict__.get("exclude", ()):
                continue
            widget = getattr(field.widget, "widget", field.widget)  # admin wrappers
            if isinstance(widget, MultiWidget):  # date and time in two inputs
                for i, part in enumerate(widget.decompress(value)):
                    data[f"{form.add_prefix(name)}_{i}"] = "" if part is None else str(part)
            elif isinstance(value, (list, tuple)):
                data[form.add_prefix(name)] = [str(v) for v in value]
            elif isinstance(value, bool):
                if value:
                    data[form.add_prefix(name)] = "on"
            else:
                data[form.add_prefix(name)] = str(value)

    add(response.context["adminform"].form)
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        for key, value in formset.management_form.initial.items():
            data[f"{formset.prefix}-{key}"] = str(value)
        for form in formset.initial_forms:
            add(form)
    return data


@pytest.mark.parametrize(
    "path",
    [
        "/admin/",
        "/admin/agencies/agency/",
        "/admin/agencies/agency/add/",
        "/admin/agencies/membership/",
        "/admin/agencies/membership/add/",
        "/admin/agencies/partnership/",
        "/admin/auth/user/",
        "/admin/auth/user/add/",
        "/admin/auth/group/",
        "/admin/django_fsm_log/statelog/",
    ],
)
def test_changelists_and_add_forms_open(admin_client, alice, path):
    assert admin_client.get(path).status_code == 200


def test_change_forms_open(admin_client, alice, agency_a):
    membership = alice.memberships.get()
    partnership = Partnership.current()
    for path in (
        f"/admin/agencies/agency/{agency_a.pk}/change/",
        f"/admin/agencies/membership/{membership.pk}/change/",
        f"/admin/agencies/partnership/{partnership.pk}/change/",
    ):
        assert admin_client.get(path).status_code == 200, path


def test_user_change_form_shows_memberships_and_their_grants(admin_client, alice, agency_a):
    response = admin_client.get(f"/admin/auth/user/{alice.pk}/change/")
    assert response.status_code == 200
    inlines = {type(i.opts).__name__: i for i in response.context["inline_admin_formsets"]}
    assert inlines["MembershipInline"].formset.queryset.get().role == Role.AGENCY_LEAD
    assert inlines["GrantInline"].formset.queryset.count() == len(
        AGENCY_ROLE_PERMISSIONS[Role.AGENCY_LEAD]
    )


def test_searches_used_by_autocomplete_work(admin_client, alice, agency_a):
    assert admin_client.get("/admin/agencies/agency/?q=Barnet").status_code == 200
    assert admin_client.get("/admin/agencies/membership/?q=alice").status_code == 200


def test_adding_a_membership_in_the_admin_creates_the_grants(admin_client, agency_a):
    newcomer = UserFactory(username="newcomer")
    response = admin_client.post(
        "/admin/agencies/membership/add/",
        {
            "user": newcomer.pk,
            "agency": agency_a.pk,
            "role": Role.AUDITOR,
        },
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert grants(newcomer) == {(agency_a.pk, c) for c in AGENCY_ROLE_PERMISSIONS[Role.AUDITOR]}


def test_changing_a_role_in_the_admin_updates_the_grants(admin_client, bob, agency_a):
    membership = bob.memberships.get()
    response = admin_client.post(
        f"/admin/agencies/membership/{membership.pk}/change/",
        {
            "user": bob.pk,
            "agency": agency_a.pk,
            "role": Role.AGENCY_LEAD,
        },
    )
    assert response.status_code == 302
    assert grants(bob) == {(agency_a.pk, c) for c in AGENCY_ROLE_PERMISSIONS[Role.AGENCY_LEAD]}


def test_adding_a_membership_inline_on_the_user_creates_the_grants(
    admin_client, agency_a, agency_b
):
    newcomer = UserFactory(username="newcomer")
    path = f"/admin/auth/user/{newcomer.pk}/change/"
    data = form_data(admin_client.get(path))
    prefix = "memberships"
    data.update(
        {
            f"{prefix}-TOTAL_FORMS": "1",
            f"{prefix}-0-agency": str(agency_b.pk),
            f"{prefix}-0-role": Role.PRACTITIONER,
            f"{prefix}-0-user": str(newcomer.pk),
        }
    )
    response = admin_client.post(path, data)
    if response.status_code != 302:  # show why the admin refused the form
        ctx = response.context
        pytest.fail(f"{ctx['adminform'].form.errors} {ctx['errors']} {sorted(data)}")
    assert Membership.objects.filter(user=newcomer).count() == 1
    assert grants(newcomer) == {
        (agency_b.pk, c) for c in AGENCY_ROLE_PERMISSIONS[Role.PRACTITIONER]
    }


def test_deleting_a_membership_in_the_admin_removes_the_grants(admin_client, alice):
    membership = alice.memberships.get()
    response = admin_client.post(
        f"/admin/agencies/membership/{membership.pk}/delete/", {"post": "yes"}
    )
    assert response.status_code == 302
    assert grants(alice) == set()


def test_deactivating_an_agency_in_the_admin_removes_its_grants(admin_client, alice, agency_a):
    response = admin_client.post(
        f"/admin/agencies/agency/{agency_a.pk}/change/",
        {
            "name": agency_a.name,
            "short_name": "",
            "kind": agency_a.kind,
        },
    )  # the "active" box unticked
    assert response.status_code == 302
    agency_a.refresh_from_db()
    assert not agency_a.is_active
    assert grants(alice) == set()


# -- the transition log is read-only ----------------------------------------------------------
def test_state_log_lists_transitions(admin_client, state_log):
    response = admin_client.get("/admin/django_fsm_log/statelog/")
    assert response.status_code == 200
    assert "start_work" in response.content.decode()


def test_state_log_cannot_be_added(admin_client, state_log):
    assert admin_client.get("/admin/django_fsm_log/statelog/add/").status_code == 403
    assert admin_client.post("/admin/django_fsm_log/statelog/add/", {}).status_code == 403


def test_state_log_cannot_be_changed(admin_client, state_log):
    path = f"/admin/django_fsm_log/statelog/{state_log.pk}/change/"
    response = admin_client.get(path)
    # superusers may view it, but with no save buttons and no editable fields
    assert response.status_code == 200
    page = response.content.decode()
    assert 'name="_save"' not in page
    assert 'name="_continue"' not in page
    assert not response.context["adminform"].form.fields
    response = admin_client.post(path, {"state": "embedded", "description": "rewritten"})
    assert response.status_code == 403
    state_log.refresh_from_db()
    assert state_log.state == "in_progress"
    assert state_log.description == "Starting"


def test_state_log_cannot_be_deleted(admin_client, state_log):
    path = f"/admin/django_fsm_log/statelog/{state_log.pk}/delete/"
    assert admin_client.get(path).status_code == 403
    assert admin_client.post(path, {"post": "yes"}).status_code == 403
    # nor in bulk from the changelist
    response = admin_client.post(
        "/admin/django_fsm_log/statelog/",
        {"action": "delete_selected", "_selected_action": [state_log.pk], "post": "yes"},
    )
    assert response.status_code in (200, 302, 403)
    assert StateLog.objects.filter(pk=state_log.pk).exists()
    assert (
        "delete_selected"
        not in admin_client.get("/admin/django_fsm_log/statelog/").content.decode()
    )
