"""Action sources come from the registry (``actions.sources``), not from ``actions``
knowing each source app: a source that exists only here (django.contrib.auth's
``Permission``, grouped by its content type) gets actions through the service and the
API, is labelled and linked on the action page and in the list, adds its columns to the
export, and its parent becomes a filter of the list on the page and in the API. Who may
see its records and who may create actions on them is the source's to say."""

from __future__ import annotations

import csv
import io
from types import SimpleNamespace

import pytest
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.urls import reverse
from rest_framework.test import APIClient

from actions import exporting, services, sources
from actions.filters import action_filterset
from actions.models import Action
from core.transitions import TransitionForbidden
from tests.conftest import login
from tests.factories import in_days
from tests.factories.actions import make_action

pytestmark = pytest.mark.django_db


def api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def visible_permissions(user):
    # The test source's own rule: only the actions app's permissions may be named.
    return Permission.objects.filter(content_type__app_label="actions")


@pytest.fixture
def permission_source():
    allowed = {"may": True}
    source = sources.register_source(
        Permission,
        kind="Permission",
        label=lambda p: f"Permission {p.codename}",
        url=lambda p: f"/permissions/{p.pk}/",
        text=lambda p: p.name,
        visible_to=visible_permissions,
        may_create_actions=lambda user, record: (
            allowed["may"] and user.has_perm("actions.manage_plan")
        ),
        parent=sources.Parent(
            model=ContentType,
            param="content_type",
            lookup="content_type",
            visible_to=lambda user: ContentType.objects.filter(app_label="actions"),
            label="Kind of record",
            plural="kinds of record",
        ),
        export_columns=[("Permission", lambda p: p.codename)],
        related=["content_type"],
    )
    try:
        yield SimpleNamespace(source=source, allowed=allowed)
    finally:
        sources.unregister_source(Permission)


@pytest.fixture
def cancel_perm():
    return Permission.objects.get(codename="cancel_action")


@pytest.fixture
def other_perm():
    # the same app, another content type: the parent filter tells them apart
    return Permission.objects.get(codename="add_evidenceitem")


def test_an_action_on_the_source_through_the_service_is_labelled_and_linked(
    permission_source, cancel_perm, manager, alice, agency_a
):
    action = make_action(agency=agency_a, lead=alice, by=manager, source=cancel_perm)
    assert action.source == cancel_perm
    html = login(manager).get(action.get_absolute_url()).content.decode()
    assert '<span class="govuk-caption-l">Permission cancel_action</span>' in html
    assert '<dt class="govuk-summary-list__key">Permission</dt>' in html
    assert (
        f'<a class="govuk-link" href="/permissions/{cancel_perm.pk}/">Permission cancel_action</a>'
        in html
    )
    assert cancel_perm.name in html
    listing = login(manager).get(reverse("actions:list")).content.decode()
    assert "Permission cancel_action" in listing


def test_the_export_has_the_sources_columns(
    permission_source, cancel_perm, manager, alice, agency_a
):
    make_action(agency=agency_a, lead=alice, by=manager, source=cancel_perm, reference="P-1")
    assert "Permission" in exporting.columns() and "Review" in exporting.columns()
    response = login(manager).get(reverse("actions:export", args=["csv"]))
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    (row,) = [r for r in rows if r["Action ref"] == "P-1"]
    assert row["Permission"] == "cancel_action"
    assert row["Review"] == "" and row["Recommendation no."] == ""  # scr's, empty here


def test_the_columns_go_when_the_source_does(permission_source):
    sources.unregister_source(Permission)
    assert "Permission" not in exporting.columns()
    assert "content_type" not in action_filterset().base_filters
    assert "review" in action_filterset().base_filters  # scr's parent stays


def test_an_action_through_the_api_names_its_source_by_type_and_id(
    permission_source, cancel_perm, manager, alice, agency_a
):
    body = {
        "source": {"type": "auth.permission", "id": cancel_perm.pk},
        "agency": agency_a.pk,
        "lead": alice.username,
        "description": "Review who may cancel",
        "target_date": in_days(365).isoformat(),
    }
    r = api(manager).post("/api/v1/actions/", body, format="json")
    assert r.status_code == 201, r.json()
    assert r.json()["source"] == {
        "type": "auth.permission",
        "id": cancel_perm.pk,
        "label": "Permission cancel_action",
        "url": f"/permissions/{cancel_perm.pk}/",
    }
    assert r.json()["recommendation"] is None
    assert Action.objects.get(pk=r.json()["id"]).source == cancel_perm

    # a record the source does not let the caller see is the same 400 as none at all
    hidden = Permission.objects.get(codename="add_group")
    for source in (
        {"type": "auth.permission", "id": hidden.pk},
        {"type": "auth.permission", "id": 987654321},
    ):
        r = api(manager).post("/api/v1/actions/", {**body, "source": source}, format="json")
        assert r.status_code == 400 and set(r.json()) == {"source"}, r.json()
    for bad in (
        {"type": "auth.group", "id": 1},
        {"id": 1},
        "auth.permission",
        {"type": "x", "id": "²"},
    ):
        r = api(manager).post("/api/v1/actions/", {**body, "source": bad}, format="json")
        assert r.status_code == 400 and set(r.json()) == {"source"}, (bad, r.json())

    # the source says who may create actions on its records: 403, nothing created
    permission_source.allowed["may"] = False
    before = Action.objects.count()
    r = api(manager).post("/api/v1/actions/", body, format="json")
    assert r.status_code == 403 and Action.objects.count() == before


def test_the_service_refuses_a_record_no_app_registered(manager, alice, agency_a, cancel_perm):
    with pytest.raises(ValidationError) as caught:
        make_action(agency=agency_a, lead=alice, by=manager, source=cancel_perm)
    assert caught.value.message_dict == {"source": [services.SOURCE_NOT_REGISTERED]}


def test_the_service_asks_the_source_who_may_create(
    permission_source, cancel_perm, manager, alice, agency_a
):
    permission_source.allowed["may"] = False
    with pytest.raises(TransitionForbidden):
        make_action(agency=agency_a, lead=alice, by=manager, source=cancel_perm)
    assert not Action.objects.exists()


def test_the_create_page_takes_the_source_by_type_and_id(permission_source, cancel_perm, manager):
    url = reverse("actions:create") + f"?source=auth.permission&source_id={cancel_perm.pk}"
    html = login(manager).get(url).content.decode()
    assert '<span class="govuk-caption-l">Permission cancel_action</span>' in html
    assert f'name="source_id" value="{cancel_perm.pk}"' in html
    hidden = Permission.objects.get(codename="add_group")
    missing = reverse("actions:create") + f"?source=auth.permission&source_id={hidden.pk}"
    assert login(manager).get(missing).status_code == 404
    assert (
        login(manager).get(reverse("actions:create") + "?source=auth.group&source_id=1").status_code
        == 404
    )


def test_the_parent_is_a_filter_on_the_page_and_in_the_api(
    permission_source, cancel_perm, other_perm, manager, alice, agency_a
):
    on_cancel = make_action(
        agency=agency_a, lead=alice, by=manager, source=cancel_perm, reference="C"
    )
    make_action(agency=agency_a, lead=alice, by=manager, source=other_perm, reference="E")
    make_action(agency=agency_a, lead=alice, by=manager, reference="N")
    ct = cancel_perm.content_type_id
    html = login(manager).get(reverse("actions:list"), {"content_type": ct}).content.decode()
    assert f">{on_cancel}</a>" in html and "There is a problem" not in html
    assert (
        '<label class="govuk-label govuk-label--s" for="id_content_type">Kind of record</label>'
        in html
    )
    assert "All kinds of record" in html
    body = api(manager).get("/api/v1/actions/", {"content_type": ct}).json()
    assert [row["reference"] for row in body["results"]] == ["C"]
    # not valid: an error on its field on the page (the others apply), a 400 in the API
    page = login(manager).get(reverse("actions:list"), {"content_type": "abc"}).content.decode()
    assert 'id="id_content_type-error"' in page and "Choose a content type from the list" in page
    r = api(manager).get("/api/v1/actions/", {"content_type": "abc"})
    assert r.status_code == 400 and set(r.json()) == {"content_type"}


def test_the_alias_and_the_generic_field_cannot_both_be_given(manager, alice, agency_a):
    from tests.factories.actions import make_recommendation, make_review

    rec = make_recommendation(make_review(lead_agency=agency_a))
    r = api(manager).post(
        "/api/v1/actions/",
        {
            "recommendation": rec.pk,
            "source": {"type": "scr.recommendation", "id": rec.pk},
            "agency": agency_a.pk,
            "lead": alice.username,
            "description": "Twice named",
            "target_date": in_days(365).isoformat(),
        },
        format="json",
    )
    assert r.status_code == 400 and "source" in r.json()
    r = api(manager).post(
        "/api/v1/actions/",
        {
            "source": {"type": "scr.recommendation", "id": rec.pk},
            "agency": agency_a.pk,
            "lead": alice.username,
            "description": "Named once, the generic way",
            "target_date": in_days(365).isoformat(),
        },
        format="json",
    )
    assert r.status_code == 201 and r.json()["recommendation"] == rec.pk
    assert r.json()["source"]["label"] == f"{rec.review.pseudonym} recommendation 1"
