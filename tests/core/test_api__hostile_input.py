"""Bad input to the API is a 400 naming the parameter, or a 404 for a path id that names
no record: never a 500, never a silently ignored filter, never an unbounded page.

The values are what a fuzzer or a careless client sends: a superscript two (a digit to
``str.isdigit``, not to ``int``), Arabic-Indic digits, numbers past the database's 64-bit
integers, negative and fractional numbers, a NUL character, SQL, and a 5,000-digit
number (past Python's own limit for ``int()`` of a string)."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from actions.models import Action
from core.api import MAX_PAGE_SIZE
from tests.factories import in_days
from tests.factories.actions import make_action, make_recommendation, make_review

HOSTILE = [
    "%C2%B2",  # ²
    "%D9%A1%D9%A2",  # ١٢
    "99999999999999999999",
    "9223372036854775808",  # 2**63
    "-1",
    "0",
    "1.5",
    "1e3",
    "abc",
    "%00",
    "1%27%20OR%201%3D1",  # 1' OR 1=1
    "9" * 5000,
]

# Every list the API serves, with the query parameters it reads.
LISTS = {
    "/api/v1/actions/": ["agency", "review", "state", "rag", "mine", "q", "limit", "offset"],
    "/api/v1/learning-checks/": ["open", "limit", "offset"],
    "/api/v1/reviews/": ["kind", "limit", "offset"],
    "/api/v1/recommendations/": ["review", "limit", "offset"],
    "/api/v1/agencies/": ["limit", "offset"],
    "/api/v1/tasks/": ["box", "limit", "offset"],
}
# Parameters that must refuse every hostile value with a 400 naming them ("q" is free
# text: only its NUL character and its length are refused).
STRICT = {
    "/api/v1/actions/": ["agency", "review", "state", "rag", "mine", "limit", "offset"],
    "/api/v1/learning-checks/": ["open", "limit", "offset"],
    "/api/v1/reviews/": ["kind", "limit", "offset"],
    "/api/v1/recommendations/": ["review", "limit", "offset"],
    "/api/v1/agencies/": ["limit", "offset"],
    "/api/v1/tasks/": ["box", "limit", "offset"],
}
DETAILS = [
    "/api/v1/actions/{}/",
    "/api/v1/actions/{}/changes/",
    "/api/v1/actions/{}/evidence/",
    "/api/v1/learning-checks/{}/",
    "/api/v1/reviews/{}/",
    "/api/v1/recommendations/{}/",
    "/api/v1/agencies/{}/",
    "/api/v1/tasks/{}/",
]
BAD_IDS = [
    "%C2%B2",
    "%D9%A1%D9%A2",
    "99999999999999999999",
    "9223372036854775808",
    "9223372036854775807",
    "0",
    "-1",
    "1.0",
    "%00",
    "9" * 5000,
]


def api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def world(alice, manager, agency_a):
    rec = make_recommendation(make_review(lead_agency=agency_a))
    return make_action(agency=agency_a, lead=alice, by=manager, source=rec)


# The hostile values that are valid for a parameter: a limit is capped, not refused; an
# offset may be 0; "0" is false.
VALID = {
    ("limit", "99999999999999999999"),
    ("limit", "9223372036854775808"),
    ("offset", "0"),
    ("mine", "0"),
    ("open", "0"),
}


def _strict(url: str, param: str, value: str) -> bool:
    return param in STRICT.get(url, []) and (param, value) not in VALID


@pytest.mark.django_db
@pytest.mark.parametrize("value", HOSTILE, ids=range(len(HOSTILE)))
@pytest.mark.parametrize("url", list(LISTS))
def test_hostile_query_parameters_are_never_a_500(world, manager, alice, url, value):
    for user in (manager, alice):
        for param in LISTS[url]:
            response = api(user).get(f"{url}?{param}={value}")
            assert response.status_code < 500, (url, param, value)
            if _strict(url, param, value):
                assert response.status_code == 400, (url, param, value, response.content[:200])
                assert param in response.json(), (url, param, value)


@pytest.mark.django_db
@pytest.mark.parametrize("value", BAD_IDS, ids=range(len(BAD_IDS)))
@pytest.mark.parametrize("path", DETAILS)
def test_hostile_path_ids_are_404(world, manager, path, value):
    client = api(manager)
    assert client.get(path.format(value)).status_code == 404, (path, value)
    if path == "/api/v1/actions/{}/":
        for step in ("start/", "details/", "cancel/"):
            response = client.post(path.format(value) + step, {"reason": "x"}, format="json")
            assert response.status_code == 404, (path, step, value)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "url",
    [
        "/actions/{}/",
        "/actions/{}/edit/",
        "/actions/{}/steps/start/",
        "/reviews/{}/",
        "/tasks/{}/",
        "/agencies/{}/",
    ],
)
def test_hostile_ids_in_page_paths_are_404(world, manager, url):
    from tests.conftest import login

    client = login(manager)
    send = client.post if "/steps/" in url else client.get
    for value in ("%C2%B2", "%D9%A1%D9%A2", "99999999999999999999", "9223372036854775807"):
        assert send(url.format(value)).status_code == 404, (url, value)
    assert send(url.format("9" * 5000)).status_code == 404, url


@pytest.mark.django_db
def test_the_filters_that_name_their_error(world, manager):
    client = api(manager)
    r = client.get("/api/v1/actions/?agency=%C2%B2")
    assert r.status_code == 400 and r.json() == {"agency": ["Must be a whole number."]}
    r = client.get("/api/v1/actions/?review=99999999999999999999")
    assert r.status_code == 400 and "review" in r.json()
    r = client.get("/api/v1/actions/?rag=bogus")
    assert r.status_code == 400 and r.json() == {"rag": ["Unknown RAG status “bogus”."]}
    r = client.get("/api/v1/actions/?state=bogus&rag=purple")
    assert r.status_code == 400 and set(r.json()) == {"state", "rag"}
    r = client.get("/api/v1/reviews/?kind=bogus")
    assert r.status_code == 400 and "kind" in r.json()
    r = client.get("/api/v1/actions/?limit=0")
    assert r.status_code == 400 and "limit" in r.json()
    # an empty parameter is no filter, as a form without a choice sends it
    r = client.get("/api/v1/actions/?agency=&state=&rag=&q=")
    assert r.status_code == 200 and r.json()["count"] == 1
    # the largest id the database holds is a valid filter that matches nothing
    r = client.get("/api/v1/actions/?agency=9223372036854775807")
    assert r.status_code == 200 and r.json()["count"] == 0


@pytest.mark.django_db
def test_a_page_holds_at_most_max_page_size_rows(world, manager, agency_a, alice):
    Action.objects.bulk_create(
        Action(agency=agency_a, lead=alice, description=f"Bulk {i}", target_date=in_days(30))
        for i in range(MAX_PAGE_SIZE + 5)
    )
    client = api(manager)
    for limit in ("100000", "99999999999999999999"):
        body = client.get(f"/api/v1/actions/?limit={limit}").json()
        assert body["count"] == MAX_PAGE_SIZE + 6
        assert len(body["results"]) == MAX_PAGE_SIZE and body["next"]
    assert len(client.get("/api/v1/actions/").json()["results"]) == 50
    body = client.get(f"/api/v1/actions/?limit=10&offset={MAX_PAGE_SIZE}").json()
    assert len(body["results"]) == 6


@pytest.mark.django_db
def test_the_schema_documents_the_filters_and_the_page_size(alice):
    schema = api(alice).get("/api/v1/schema/?format=json").json()
    parameters = {p["name"]: p for p in schema["paths"]["/api/v1/actions/"]["get"]["parameters"]}
    assert {"agency", "review", "state", "rag", "mine", "q", "limit", "offset"} <= set(parameters)
    assert parameters["limit"]["schema"]["maximum"] == MAX_PAGE_SIZE
    assert set(parameters["rag"]["schema"]["enum"]) >= {"red", "amber", "green"}


@pytest.mark.django_db
@pytest.mark.parametrize("value", HOSTILE, ids=range(len(HOSTILE)))
def test_hostile_query_parameters_on_pages_are_never_a_500(world, manager, value):
    from tests.conftest import login

    client = login(manager)
    for url in (
        "/actions/?agency={v}&review={v}&state={v}&rag={v}&q={v}&page={v}",
        "/actions/export.csv?agency={v}&review={v}&q={v}",
        "/actions/new/?recommendation={v}",
        "/reviews/?kind={v}&page={v}",
        "/actions/mine/?page={v}",
    ):
        response = client.get(url.format(v=value))
        assert response.status_code in (200, 404), (url, value, response.status_code)
