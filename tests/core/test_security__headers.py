"""Security headers (core.middleware): a strict Content-Security-Policy whose nonce is the
one on base.html's inline script, a Permissions-Policy, and ``Cache-Control: no-store``
on everything a signed-in person is shown or downloads (pages, evidence, exports, API
answers). The API docs page keeps its own, looser, policy for Redoc; DRF's browsable API
may use inline styles but no inline script. The API schema and docs need a signed-in
user."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse

from tests.conftest import login
from tests.factories import PASSWORD, EvidenceItemFactory, UserFactory
from tests.factories.actions import make_action, pdf

pytestmark = pytest.mark.django_db

PERMISSIONS_OFF = ("camera=()", "microphone=()", "geolocation=()", "payment=()", "usb=()")


def policy(response) -> dict[str, list[str]]:
    """The Content-Security-Policy as {directive: [sources]}."""
    header = response.headers.get("Content-Security-Policy")
    assert header, f"no Content-Security-Policy on {response.request['PATH_INFO']}"
    parts = (part.split() for part in header.split(";") if part.strip())
    return {name: sources for name, *sources in parts}


def nonce_of(response) -> str:
    (nonce,) = [s[len("'nonce-") : -1] for s in policy(response)["script-src"] if "nonce-" in s]
    return nonce


def assert_strict_policy(response) -> None:
    csp = policy(response)
    assert csp["default-src"] == ["'self'"]
    assert csp["script-src"][0] == "'self'"
    assert "'unsafe-inline'" not in csp["script-src"]
    assert "'unsafe-eval'" not in csp["script-src"]
    assert csp["style-src"] == ["'self'"]
    assert csp["object-src"] == ["'none'"]
    assert csp["base-uri"] == ["'none'"]
    assert csp["frame-ancestors"] == ["'none'"]
    assert csp["form-action"] == ["'self'"]


def assert_permissions_policy(response) -> None:
    header = response.headers.get("Permissions-Policy", "")
    for feature in PERMISSIONS_OFF:
        assert feature in header


def assert_no_store(response) -> None:
    directives = {d.strip() for d in response.headers.get("Cache-Control", "").split(",")}
    assert "no-store" in directives, response.headers.get("Cache-Control")


def inline_script_nonces(html: str) -> list[str]:
    """The nonce attribute of every inline (src-less, executable) script."""
    nonces = []
    for attrs in re.findall(r"<script\b([^>]*)>", html):
        if "src=" in attrs or 'type="application/json"' in attrs:
            continue
        found = re.search(r'nonce="([^"]*)"', attrs)
        nonces.append(found.group(1) if found else "")
    return nonces


def token_client(user) -> Client:
    """A client that authenticates with an API token from the token endpoint."""
    issued = Client().post("/api/v1/auth/token/", {"username": user.username, "password": PASSWORD})
    assert issued.status_code == 200, issued.content
    return Client(HTTP_AUTHORIZATION=f"Token {issued.json()['token']}")


@pytest.fixture
def action(alice, manager, agency_a):
    return make_action(agency=agency_a, lead=alice, by=manager)


# -- pages -------------------------------------------------------------------------------


def test_a_signed_in_page_has_the_policy_and_is_not_stored(alice):
    response = login(alice).get(reverse("home"))
    assert response.status_code == 200
    assert_strict_policy(response)
    assert_permissions_policy(response)
    assert_no_store(response)


def test_the_inline_script_carries_the_policys_nonce(alice):
    client = login(alice)
    first = client.get(reverse("home"))
    nonce = nonce_of(first)
    assert len(nonce) >= 16
    assert inline_script_nonces(first.content.decode()) == [nonce]
    # a fresh nonce for every response, or it protects nothing
    assert nonce_of(client.get(reverse("home"))) != nonce


def test_an_action_page_has_the_policy_and_is_not_stored(alice, action):
    response = login(alice).get(action.get_absolute_url())
    assert response.status_code == 200
    assert_strict_policy(response)
    assert inline_script_nonces(response.content.decode()) == [nonce_of(response)]
    assert_no_store(response)


def test_the_sign_in_page_has_the_policy(db):
    response = Client().get(reverse("login"))
    assert response.status_code == 200
    assert_strict_policy(response)
    assert_permissions_policy(response)
    assert inline_script_nonces(response.content.decode()) == [nonce_of(response)]


def test_error_pages_have_the_policy(alice, charlie, action):
    response = login(charlie).get(action.get_absolute_url())
    assert response.status_code == 404
    assert_strict_policy(response)
    assert inline_script_nonces(response.content.decode()) == [nonce_of(response)]
    assert_no_store(response)


# -- downloads ---------------------------------------------------------------------------


def test_an_evidence_download_is_not_stored(alice, action):
    item = EvidenceItemFactory(action=action, description="x", file=pdf())
    response = login(alice).get(item.get_download_url())
    assert response.status_code == 200
    assert_no_store(response)
    assert_strict_policy(response)
    assert_permissions_policy(response)


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_an_export_is_not_stored(manager, action, fmt):
    response = login(manager).get(reverse("actions:export", args=[fmt]))
    assert response.status_code == 200
    assert_no_store(response)
    assert_strict_policy(response)
    assert_permissions_policy(response)


def test_an_api_answer_to_a_token_is_not_stored(alice):
    response = token_client(alice).get("/api/v1/actions/")
    assert response.status_code == 200
    assert_no_store(response)


# -- pages with their own needs ----------------------------------------------------------


def test_the_api_docs_keep_their_own_policy_for_redoc(alice):
    response = login(alice).get(reverse("api-docs"))
    assert response.status_code == 200
    csp = policy(response)
    assert csp["default-src"] == ["'self'"]
    assert "'unsafe-inline'" in csp["style-src"]  # Redoc's styled-components
    assert "blob:" in csp["worker-src"]  # Redoc's search worker
    assert "'unsafe-inline'" not in csp["script-src"]
    # Redoc.init is inline only with REDOC_UI_SETTINGS; any inline script has the nonce
    assert set(inline_script_nonces(response.content.decode())) <= {nonce_of(response)}
    assert_permissions_policy(response)
    assert_no_store(response)


def test_the_browsable_api_may_use_inline_styles_but_not_scripts(alice):
    response = login(alice).get("/api/v1/actions/", HTTP_ACCEPT="text/html")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    csp = policy(response)
    assert csp["style-src"] == ["'self'", "'unsafe-inline'"]
    assert "'unsafe-inline'" not in csp["script-src"]
    assert inline_script_nonces(response.content.decode()) == []  # only JSON data blocks
    assert_no_store(response)


def test_the_api_as_json_has_the_strict_policy(alice):
    response = login(alice).get("/api/v1/actions/", HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    assert_strict_policy(response)


def test_the_admin_has_the_strict_policy(db):
    root = UserFactory(username="root", is_staff=True, is_superuser=True)
    client = login(root)
    for url in ("/admin/", "/admin/agencies/agency/", "/admin/agencies/agency/add/"):
        response = client.get(url)
        assert response.status_code == 200, url
        assert_strict_policy(response)
        assert inline_script_nonces(response.content.decode()) == [], url
        assert_no_store(response)


# -- the API's schema and docs need a signed-in user -------------------------------------


def test_the_schema_is_refused_to_anonymous_callers(db):
    for fmt in ("", "?format=json"):
        response = Client().get(reverse("api-schema") + fmt)
        assert response.status_code == 403
        assert b"openapi" not in response.content


def test_the_docs_page_sends_anonymous_visitors_to_sign_in(db):
    response = Client().get(reverse("api-docs"))
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('login')}?next={reverse('api-docs')}"


def test_the_schema_answers_a_token(alice):
    response = token_client(alice).get(reverse("api-schema") + "?format=json")
    assert response.status_code == 200
    assert response.json()["openapi"].startswith("3.")


def test_the_sign_in_page_does_not_link_the_docs(db):
    page = Client().get(reverse("login")).content.decode()
    assert reverse("api-docs") not in page
