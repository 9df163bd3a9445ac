"""The API's contract: the OpenAPI document validates, says which fields may be null,
documents the error answers each operation gives, and describes ``changes/`` as it
answers; and a related field in a body offers and takes only what the caller may see
(an id outside that is the same 400 as one that does not exist)."""

from __future__ import annotations

import json

import pytest
from django.contrib.auth.models import Permission
from django.core.management import call_command
from django.core.serializers.json import DjangoJSONEncoder
from drf_spectacular.generators import SchemaGenerator
from rest_framework.test import APIClient

from actions import services
from scr.models import Review
from tests.factories import in_days
from tests.factories.actions import make_action, make_recommendation, make_review


@pytest.fixture(scope="module")
def document() -> dict:
    schema = SchemaGenerator().get_schema(request=None, public=True)
    return json.loads(json.dumps(schema, cls=DjangoJSONEncoder))


def api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def operations(document):
    for path, item in document["paths"].items():
        for method, operation in item.items():
            yield path, method, operation


def test_the_schema_validates_without_warnings(tmp_path):
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "s.yml"))


@pytest.mark.parametrize(
    "component, field",
    [
        ("Task", "owner"),
        ("Task", "due_on"),
        ("Task", "record_url"),
        ("Review", "rapid_review_due"),
        ("Review", "lead_agency"),
        ("Review", "notified_on"),
        ("Review", "published_on"),
        ("Review", "death_category"),
        ("LearningCheck", "decided_by"),
        ("LearningCheck", "decided_at"),
        ("LearningCheck", "next_check_on"),
        ("Action", "signed_off_at"),
        ("Action", "learning_check_due_on"),
        ("Action", "recommendation"),
        ("Evidence", "download_url"),
    ],
)
def test_nullable_fields_are_declared_nullable(document, component, field):
    assert document["components"]["schemas"][component]["properties"][field]["nullable"] is True


def test_changes_is_documented_as_the_plain_list_it_answers(document):
    operation = document["paths"]["/api/v1/actions/{id}/changes/"]["get"]
    assert not [p for p in operation["parameters"] if p["in"] == "query"]  # not paginated
    schema = operation["responses"]["200"]["content"]["application/json"]["schema"]
    assert schema == {"type": "array", "items": {"$ref": "#/components/schemas/ActionChange"}}
    evidence = document["paths"]["/api/v1/actions/{id}/evidence/"]
    assert evidence["get"]["responses"]["200"]["content"]["application/json"]["schema"] == {
        "type": "array",
        "items": {"$ref": "#/components/schemas/Evidence"},
    }
    assert "201" in evidence["post"]["responses"] and "201" not in evidence["get"]["responses"]


def test_every_operation_documents_its_error_answers(document):
    missing = []
    for path, method, operation in operations(document):
        responses = operation["responses"]
        expected = set()
        if any(requirement for requirement in operation.get("security", [{}])):
            expected.add("403")
        parameters = operation.get("parameters", [])
        if any(p["in"] == "path" for p in parameters):
            expected.add("404")
        if "requestBody" in operation or any(p["in"] == "query" for p in parameters):
            expected.add("400")
        if method == "post" and path.startswith(("/api/v1/actions/{id}/", "/api/v1/tasks/{id}/")):
            expected.add("409")  # a step the record's state may refuse
        missing += [f"{method.upper()} {path}: {code}" for code in expected - set(responses)]
        for code in {"403", "404", "409"} & set(responses):
            content = responses[code].get("content", {}).get("application/json", {})
            if content.get("schema") != {"$ref": "#/components/schemas/Error"}:
                missing.append(f"{method.upper()} {path}: {code} has no Error body")
    assert not missing, "\n".join(missing)
    # a step that never conflicts does not claim to
    assert "409" not in document["paths"]["/api/v1/actions/"]["post"]["responses"]
    assert "409" not in document["paths"]["/api/v1/actions/{id}/changes/"]["get"]["responses"]


@pytest.mark.django_db
def test_any_other_api_path_is_a_json_404(alice):
    for path in ("/api/v1/actions/x/", "/api/v1/actions/%0A/", "/api/v1/nothing/here/"):
        r = api(alice).get(path)
        assert r.status_code == 404 and r["Content-Type"] == "application/json", path
    assert APIClient().get("/api/v1/nothing/").status_code == 403  # signed out


# -- related fields offer and take only what the caller sees --------------------------------
def same_answer(client, url, body_a, body_b, *, method="post", ids=()):
    """Two requests' answers, each id in ``ids`` replaced by ID."""
    answers = []
    for body in (body_a, body_b):
        content = getattr(client, method)(url, body, format="json")
        text = content.content
        for i in ids:
            text = text.replace(str(i).encode(), b"ID")
        answers.append((content.status_code, text))
    return answers[0] == answers[1] and answers[0][0] == 400


@pytest.fixture
def planner(alice):
    """alice, an agency lead of A, who may also create actions and manage reviews (a role
    that grants it): she still sees only A's records."""
    for codename in ("manage_plan", "manage_review"):
        alice.user_permissions.add(Permission.objects.get(codename=codename))
    return type(alice).objects.get(pk=alice.pk)


@pytest.mark.django_db
def test_a_new_action_names_only_what_the_caller_sees(planner, charlie, agency_a, agency_b):
    hidden = make_recommendation(make_review(title="B only", lead_agency=agency_b), 1)
    body = {
        "agency": agency_a.pk,
        "lead": "alice",
        "description": "Audit",
        "target_date": in_days(30).isoformat(),
    }
    client = api(planner)
    missing = 987654
    assert same_answer(
        client,
        "/api/v1/actions/",
        {**body, "recommendation": hidden.pk},
        {**body, "recommendation": missing},
        ids=(hidden.pk, missing),
    )
    assert same_answer(
        client,
        "/api/v1/actions/",
        {**body, "agency": agency_b.pk, "lead": "charlie"},
        {**body, "agency": missing, "lead": "charlie"},
        ids=(agency_b.pk, missing),
    )
    r = client.post("/api/v1/actions/", {**body, "lead": "charlie"}, format="json")
    assert r.status_code == 400 and r.json() == {"lead": [services.LEAD_NOT_IN_AGENCY]}
    r = client.post("/api/v1/actions/", {**body, "lead": "nobody"}, format="json")
    assert r.status_code == 400 and r.json() == {"lead": [services.LEAD_NOT_IN_AGENCY]}
    seen = make_recommendation(make_review(title="A sees", lead_agency=agency_a), 1)
    r = client.post("/api/v1/actions/", {**body, "recommendation": seen.pk}, format="json")
    assert r.status_code == 201 and r.json()["lead"] == "alice"


@pytest.mark.django_db
def test_a_review_names_only_agencies_the_caller_sees(planner, agency_a, agency_b):
    review = make_review(title="A's review", lead_agency=agency_a)
    url = f"/api/v1/reviews/{review.pk}/"
    missing = 987654
    assert same_answer(
        api(planner),
        url,
        {"lead_agency": agency_b.pk},
        {"lead_agency": missing},
        method="patch",
        ids=(agency_b.pk, missing),
    )
    review.refresh_from_db()
    assert review.lead_agency == agency_a
    assert Review.objects.count() == 1


@pytest.mark.django_db
def test_the_create_forms_offer_only_what_the_caller_sees(planner, charlie, agency_a, agency_b):
    make_review(title="B only review", lead_agency=agency_b)
    make_action(
        agency=agency_a,
        lead=planner,
        by=planner,
        source=make_recommendation(make_review(title="A review", lead_agency=agency_a), 1),
    )
    client = api(planner)
    for url in ("/api/v1/actions/", "/api/v1/recommendations/", "/api/v1/reviews/"):
        html = client.get(url, HTTP_ACCEPT="text/html").content.decode()
        assert "B only review" not in html and "charlie" not in html, url
        assert agency_b.name not in html, url
    html = client.get("/api/v1/recommendations/", HTTP_ACCEPT="text/html").content.decode()
    assert "A review" in html  # the control


@pytest.mark.django_db
def test_reassigning_to_someone_unknown_or_ineligible_is_the_same_answer(agency_a, agency_b):
    from agencies.models import Role
    from tests.factories import member
    from workflows.base import open_tasks

    lead = member(agency_a, Role.AGENCY_LEAD, "lead")
    boss = member(agency_a, Role.MANAGER, "boss")
    member(agency_b, Role.AGENCY_LEAD, "elsewhere")
    action = make_action(agency=agency_a, lead=lead, by=None)
    task = open_tasks(action).get()
    url = f"/api/v1/tasks/{task.pk}/reassign/"
    assert same_answer(api(boss), url, {"username": "elsewhere"}, {"username": "nobody"})
