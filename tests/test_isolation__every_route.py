"""Agency isolation, route by route: every URL the product serves is in the matrix below
(or in the short exempt list, with its reason), and a new route fails this test until it
is added.

The world is symmetrical: agency A (alice) and agency B (charlie) each own a review, a
recommendation, an action at work with an evidence file and an open task, and an action
whose six-month learning check has fallen due. Everything of A carries the marker
``ALPHAREF``, everything of B ``BRAVOREF``. Signed in as charlie (agency lead of B, the
most an agency user can hold):

* a record route given A's record answers 404 (405 for a method the route never takes),
  whatever the method, and reveals nothing;
* a list, export, count or search route answers 200, shows B's marker (the control: the
  check can fail) and never A's;
* a route charlie's role may not use at all answers 403;
* and after all of it, not one row of the product's tables has changed.
"""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.apps import apps
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from openpyxl import load_workbook

from actions.models import ActionState as S
from actions.views import STEPS
from audits.steps import AUDIT_STEPS, FORM_STEPS
from core import paper
from scr.services import review_publish
from tests.conftest import login
from tests.factories import (
    AgencyFactory,
    EvidenceItemFactory,
    LearningCheckFactory,
    ProgressUpdateFactory,
    walk_to,
)
from tests.factories.actions import make_action, make_recommendation, make_review, pdf
from tests.factories.audits import make_isolation_audit
from tests.factories.challenge_log import make_challenge
from tests.improvement_plan.isolation import build_plans
from workflows.base import open_tasks
from workflows.services import task_release

A, B = "ALPHAREF", "BRAVOREF"


@dataclass
class Side:
    """One agency's records."""

    agency: Any
    lead: Any
    review: Any = None
    recommendation: Any = None
    action: Any = None  # in progress, with evidence and an open task
    evidence: Any = None
    task: Any = None
    checked: Any = None  # signed off; its learning check is due
    check: Any = None
    late: Any = None  # assigned, past its target date, its work task in the queue
    challenge: Any = None  # raised by the agency against a third one, awaiting its response
    audit: Any = None  # a themed audit with the agency its only participant, forms open
    audit_form: Any = None  # its form for the audit's one case


def build(agency, lead, marker, *, manager, li) -> Side:
    side = Side(agency=agency, lead=lead)
    side.review = make_review(
        title=f"{marker} practice review", pseudonym="Child Q", lead_agency=agency
    )
    side.recommendation = make_recommendation(side.review, 1, f"{marker} share information")
    side.action = make_action(
        agency=agency,
        lead=lead,
        by=manager,
        source=side.recommendation,
        reference=f"{marker}-1",
        description=f"{marker} neglect training for front-line staff",
    )
    ProgressUpdateFactory(action=side.action, text=f"{marker} booked")  # now in progress
    side.evidence = EvidenceItemFactory(
        action=side.action, description=f"{marker} register", file=pdf()
    )
    side.task = open_tasks(side.action).get()  # in the lead's inbox: the work is theirs (issue 9)
    assert side.task.owner_id == lead.pk
    side.late = make_action(
        agency=agency,
        lead=lead,
        by=manager,
        source=side.recommendation,
        reference=f"{marker}-3",
        target_in_days=-5,
    )
    task_release(task=open_tasks(side.late).get(), by=lead)  # one in the agency's queue too

    side.checked = make_action(
        agency=agency,
        lead=lead,
        by=manager,
        source=side.recommendation,
        reference=f"{marker}-2",
        description=f"{marker} audit of strategy meetings",
    )
    EvidenceItemFactory(action=side.checked, description=f"{marker} audit")
    walk_to(side.checked, S.SIGNED_OFF, li=li)
    side.check = LearningCheckFactory(action=side.checked)  # due, not yet recorded
    return side


@dataclass
class World:
    a: Side
    b: Side
    shared: Any = None  # a review led by A with an action of each agency on one recommendation
    shared_recommendation: Any = None
    # a review led by A, published to the partnership (issue 9): charlie reads it, but
    # A's action on it stays sealed (its agency and RAG only; its page a 404)
    published: Any = None
    published_action: Any = None
    plans: Any = None  # each side's improvement plan (tests/improvement_plan/isolation.py)


@pytest.fixture
def world(agency_a, agency_b, alice, charlie, manager, li, monkeypatch) -> World:
    # A board paper's PDF answers with its HTML here, so the matrix reads its rows (a
    # PDF's text is glyph-coded) with or without WeasyPrint; the real PDF is tested with
    # each report (tests/*/test_board_paper.py).
    monkeypatch.setattr(paper, "_load", lambda: (object(), ""))
    monkeypatch.setattr(paper, "render_pdf", lambda html, **kwargs: html.encode())
    w = World(
        a=build(agency_a, alice, A, manager=manager, li=li),
        b=build(agency_b, charlie, B, manager=manager, li=li),
    )
    w.shared = make_review(
        title="Shared practice review", pseudonym="Child S", lead_agency=agency_a
    )
    w.shared_recommendation = make_recommendation(w.shared, 1, "Share at strategy meetings")
    for agency, lead, marker in ((agency_a, alice, A), (agency_b, charlie, B)):
        shared = make_action(
            agency=agency,
            lead=lead,
            by=manager,
            source=w.shared_recommendation,
            reference=f"{marker}-S",
            description=f"{marker} shared learning",
        )
        task_release(task=open_tasks(shared).get(), by=lead)  # in the agency's queue
    w.published = make_review(
        title="Published practice review", pseudonym="Child P", lead_agency=agency_a
    )
    w.published_action = make_action(
        agency=agency_a,
        lead=alice,
        by=manager,
        source=make_recommendation(w.published, 1, "Hear the child at every visit"),
        reference=f"{A}-P",
        description=f"{A} published review's action",
    )
    review_publish(review=w.published, by=manager)
    # each agency's challenge to a third agency (its marker in the case reference)
    third: Any = AgencyFactory(name="Barnet CAMHS", kind="health_provider")
    for side, marker in ((w.a, A), (w.b, B)):
        side.challenge = make_challenge(
            raiser=side.lead, against=third, case_reference=f"{marker}-1", summary=f"{marker} visit"
        )
    # each agency's themed audit (the marker in its title and its case reference)
    for side, marker in ((w.a, A), (w.b, B)):
        side.audit, side.audit_form = make_isolation_audit(side.agency, marker, lead=manager)
    w.plans = build_plans(w, manager=manager)
    return w


# -- the matrix ----------------------------------------------------------------------------

Kwargs = Callable[[World], dict[str, Any]]


@dataclass
class Record:
    """A route for one record: given agency A's, charlie gets 404 whatever the method."""

    kwargs: Kwargs
    variants: Callable[[World], list[dict[str, Any]]] | None = None  # more than one URL


@dataclass
class Listing:
    """A list, export or count: 200, B's marker shown, A's never."""

    kwargs: Kwargs = field(default=lambda w: {})
    query: str = ""
    # For an API list whose rows carry no text to mark: the key of each result and the
    # value agency A's (B's) record would have there.
    ids: tuple[str, Callable[[Side], Any]] | None = None
    control: bool = True  # False: B's marker need not show (a record naming no action)


@dataclass
class Forbidden:
    """A route an agency lead may not use at all: 403, whatever records it names."""

    kwargs: Kwargs = field(default=lambda w: {})
    query: str = ""


def pk(get: Callable[[World], Any]) -> Kwargs:
    return lambda w: {"pk": get(w).pk}


def template_part(w: World, number: int | None = 1, **more: int) -> dict[str, Any]:
    """Agency A's audit's template, its section ``number`` (and ``question``), by
    position."""
    kwargs = {"pk": w.a.audit.template_version.template_id, **more}
    return kwargs if number is None else {**kwargs, "number": number}


MATRIX: dict[str, Record | Listing | Forbidden] = {
    # pages
    "home": Listing(),
    "agencies:list": Listing(),  # names are public; links to A's page and its people are not
    "agencies:detail": Record(pk(lambda w: w.a.agency)),
    "agencies:case-openings": Forbidden(),  # the partnership manager's log
    "notifications": Listing(),  # the e-mails sent to the caller: B's records', never A's
    "workflows:team": Listing(),  # charlie, an agency lead, manages B's tasks
    "workflows:task": Record(pk(lambda w: w.a.task)),
    "workflows:claim": Record(pk(lambda w: w.a.task)),
    "workflows:release": Record(pk(lambda w: w.a.task)),
    "workflows:reassign": Record(pk(lambda w: w.a.task)),
    "actions:list": Listing(),
    "actions:list#search": Listing(query="?q=REF"),
    "actions:list#agency-filter": Listing(query="?agency={a_agency}"),
    "actions:list#review-filter": Listing(query="?review={a_review}"),
    "actions:list#shared-review": Listing(query="?review={shared}"),
    "actions:mine": Listing(),
    "actions:li-queue": Forbidden(),
    "actions:create": Forbidden(query="?recommendation={a_recommendation}"),
    "actions:export": Listing(kwargs=lambda w: {"fmt": "csv"}),
    "actions:export#xlsx": Listing(kwargs=lambda w: {"fmt": "xlsx"}),
    "actions:export#shared-review": Listing(
        kwargs=lambda w: {"fmt": "csv"}, query="?review={shared}"
    ),
    "actions:import": Forbidden(),
    "actions:import-template": Forbidden(),
    "actions:detail": Record(pk(lambda w: w.a.action)),
    "actions:step": Record(
        pk(lambda w: w.a.action),
        variants=lambda w: [
            {"pk": action.pk, "step": step}
            for action in (w.a.action, w.a.checked)
            for step in STEPS
        ],
    ),
    "actions:edit": Record(pk(lambda w: w.a.action)),
    "actions:evidence-download": Record(lambda w: {"pk": w.a.action.pk, "item": w.a.evidence.pk}),
    "scr:list": Listing(),
    "scr:create": Forbidden(),
    "scr:review": Record(pk(lambda w: w.a.review)),
    "scr:review#shared": Listing(kwargs=pk(lambda w: w.shared)),
    "scr:review-edit": Record(pk(lambda w: w.a.review)),
    "scr:recommendation-add": Record(pk(lambda w: w.a.review)),
    "scr:recommendation-edit": Record(
        lambda w: {"pk": w.a.review.pk, "rec_pk": w.a.recommendation.pk}
    ),
    "scr:factor-add": Record(pk(lambda w: w.a.review)),
    "scr:review-publish": Record(pk(lambda w: w.a.review)),
    # published to the partnership: readable by charlie, A's action on it sealed
    "scr:review#published": Listing(kwargs=pk(lambda w: w.published), control=False),
    "actions:detail#published": Record(pk(lambda w: w.published_action)),
    "challenges:list": Listing(query="?show=all"),
    "challenges:raise": Listing(control=False),  # the form: agencies' names only
    "challenges:chair": Forbidden(),  # the Chair and the partnership manager
    "challenges:report": Listing(),  # B's challenges' counts and rows
    "challenges:report-pdf": Listing(),  # the same as a board paper (its HTML: see world)
    "challenges:export": Listing(kwargs=lambda w: {"fmt": "csv"}),
    "challenges:export#xlsx": Listing(kwargs=lambda w: {"fmt": "xlsx"}),
    "challenges:detail": Record(pk(lambda w: w.a.challenge)),
    "challenges:step": Record(
        pk(lambda w: w.a.challenge),
        variants=lambda w: [
            {"pk": w.a.challenge.pk, "step": step}
            for step in ("respond", "resolve", "escalate", "decide", "withdraw")
        ],
    ),
    # themed audits: an audit and its forms are A's alone (A the one participant)
    "audits:list": Listing(),
    "audits:create": Forbidden(),
    "audits:my-forms": Listing(control=False),  # charlie audits for no agency
    "audits:templates": Forbidden(),
    "audits:template-import": Forbidden(),
    "audits:template-export": Forbidden(kwargs=pk(lambda w: w.a.audit.template_version)),
    # the template editor: the partnership's templates, not an agency's records
    "audits:template-create": Forbidden(),
    "audits:template": Forbidden(kwargs=lambda w: template_part(w, number=None)),
    "audits:template-edit": Forbidden(kwargs=lambda w: template_part(w, number=None)),
    "audits:template-publish": Forbidden(kwargs=lambda w: template_part(w, number=None)),
    "audits:template-discard-draft": Forbidden(kwargs=lambda w: template_part(w, number=None)),
    "audits:template-section-add": Forbidden(kwargs=lambda w: template_part(w, number=None)),
    "audits:template-section": Forbidden(kwargs=lambda w: template_part(w)),
    "audits:template-section-remove": Forbidden(kwargs=lambda w: template_part(w)),
    "audits:template-section-move": Forbidden(kwargs=lambda w: template_part(w)),
    "audits:template-question-add": Forbidden(kwargs=lambda w: template_part(w)),
    "audits:template-question": Forbidden(kwargs=lambda w: template_part(w, question=1)),
    "audits:template-question-remove": Forbidden(kwargs=lambda w: template_part(w, question=1)),
    "audits:template-question-move": Forbidden(kwargs=lambda w: template_part(w, question=1)),
    "audits:detail": Record(pk(lambda w: w.a.audit)),
    "audits:sample": Record(pk(lambda w: w.a.audit)),
    "audits:findings": Record(pk(lambda w: w.a.audit)),
    "audits:paper": Record(pk(lambda w: w.a.audit)),
    "audits:findings-export": Record(
        pk(lambda w: w.a.audit),
        variants=lambda w: [{"pk": w.a.audit.pk, "fmt": fmt} for fmt in ("csv", "xlsx")],
    ),
    "audits:narrative": Record(pk(lambda w: w.a.audit)),
    "audits:step": Record(
        pk(lambda w: w.a.audit),
        variants=lambda w: [{"pk": w.a.audit.pk, "step": step} for step in AUDIT_STEPS],
    ),
    "audits:form": Record(pk(lambda w: w.a.audit_form)),
    "audits:form-section": Record(lambda w: {"pk": w.a.audit_form.pk, "number": 1}),
    "audits:form-submit": Record(pk(lambda w: w.a.audit_form)),
    "audits:form-assign": Record(pk(lambda w: w.a.audit_form)),
    "audits:form-step": Record(
        pk(lambda w: w.a.audit_form),
        variants=lambda w: [{"pk": w.a.audit_form.pk, "step": step} for step in FORM_STEPS],
    ),
    # the partnership overview and its board paper: partnership roles only
    "overview:index": Forbidden(),
    "overview:pdf": Forbidden(),
    "overview:xlsx": Forbidden(),
    # API
    "agency-list": Listing(ids=("id", lambda side: side.agency.pk)),
    "agency-detail": Record(pk(lambda w: w.a.agency)),
    "task-list": Listing(),  # the inbox
    "task-list#queue": Listing(query="?box=queue"),
    "task-list#overdue": Listing(query="?box=overdue"),
    "task-detail": Record(pk(lambda w: w.a.task)),
    "task-claim": Record(pk(lambda w: w.a.task)),
    "task-release": Record(pk(lambda w: w.a.task)),
    "task-reassign": Record(pk(lambda w: w.a.task)),
    "review-list": Listing(),
    "review-detail": Record(pk(lambda w: w.a.review)),
    "review-detail#shared": Listing(kwargs=pk(lambda w: w.shared), control=False),
    "review-detail#published": Listing(kwargs=pk(lambda w: w.published), control=False),
    "action-detail#published": Record(pk(lambda w: w.published_action)),
    "recommendation-list": Listing(),
    "recommendation-list#filter": Listing(query="?review={a_review}"),
    "recommendation-detail": Record(pk(lambda w: w.a.recommendation)),
    "recommendation-detail#shared": Listing(
        kwargs=pk(lambda w: w.shared_recommendation), control=False
    ),
    "action-list": Listing(),
    "action-list#agency-filter": Listing(query="?agency={a_agency}"),
    "action-list#shared-review": Listing(query="?review={shared}"),
    "action-detail": Record(pk(lambda w: w.a.action)),
    "action-start": Record(pk(lambda w: w.a.action)),
    "action-progress": Record(pk(lambda w: w.a.action)),
    "action-evidence": Record(pk(lambda w: w.a.action)),
    "action-submit": Record(pk(lambda w: w.a.action)),
    "action-accept": Record(pk(lambda w: w.a.action)),
    "action-return-evidence": Record(pk(lambda w: w.a.action)),
    "action-sign-off": Record(pk(lambda w: w.a.action)),
    "action-learning-check": Record(pk(lambda w: w.a.checked)),
    "action-cancel": Record(pk(lambda w: w.a.action)),
    "action-ask-extension": Record(pk(lambda w: w.a.action)),
    "action-decide-extension": Record(pk(lambda w: w.a.action)),
    "action-details": Record(pk(lambda w: w.a.action)),
    "action-changes": Record(pk(lambda w: w.a.action)),
    "learning-check-list": Listing(ids=("action", lambda side: side.checked.pk)),
    "learning-check-detail": Record(pk(lambda w: w.a.check)),
    # the improvement plan (tests/improvement_plan/isolation.py)
    "improvement_plan:list": Listing(),
    "improvement_plan:import": Forbidden(),
    "improvement_plan:detail": Record(pk(lambda w: w.plans["a"].plan)),
    "improvement_plan:detail#own": Listing(kwargs=pk(lambda w: w.plans["b"].plan)),
    "improvement_plan:progress": Record(pk(lambda w: w.plans["a"].plan)),
    "improvement_plan:export": Record(pk(lambda w: w.plans["a"].plan)),
    "improvement_plan:export#own": Listing(kwargs=pk(lambda w: w.plans["b"].plan)),
    # the board paper (a PDF: B's own is checked in tests/improvement_plan/test_board_paper.py)
    "improvement_plan:paper": Record(pk(lambda w: w.plans["a"].plan)),
    "improvement_plan:status": Record(pk(lambda w: w.plans["a"].plan)),
    "improvement_plan:line": Record(pk(lambda w: w.plans["a"].line)),
    "improvement_plan:milestone": Record(pk(lambda w: w.plans["a"].milestone)),
    "plan-list": Listing(),
    "plan-detail": Record(pk(lambda w: w.plans["a"].plan)),
    "plan-objective-list": Listing(),
    "plan-objective-detail": Record(pk(lambda w: w.plans["a"].objective)),
    "plan-line-list": Listing(),
    "plan-line-detail": Record(pk(lambda w: w.plans["a"].line)),
    "plan-milestone-list": Listing(),
    "plan-milestone-detail": Record(pk(lambda w: w.plans["a"].milestone)),
    "challenge-list": Listing(),
    "audit-list": Listing(),
    "audit-detail": Record(pk(lambda w: w.a.audit)),
    "audit-start-sampling": Record(pk(lambda w: w.a.audit)),
    "audit-open-forms": Record(pk(lambda w: w.a.audit)),
    "audit-start-moderation": Record(pk(lambda w: w.a.audit)),
    "audit-sign-off": Record(pk(lambda w: w.a.audit)),
    "audit-close": Record(pk(lambda w: w.a.audit)),
    "audit-form-list": Listing(),
    "audit-form-detail": Record(pk(lambda w: w.a.audit_form)),
    "audit-form-answers": Record(pk(lambda w: w.a.audit_form)),
    "audit-form-submit": Record(pk(lambda w: w.a.audit_form)),
    "audit-form-accept": Record(pk(lambda w: w.a.audit_form)),
    "audit-form-return-form": Record(pk(lambda w: w.a.audit_form)),
    "audit-form-assign": Record(pk(lambda w: w.a.audit_form)),
    "challenge-detail": Record(pk(lambda w: w.a.challenge)),
    "challenge-respond": Record(pk(lambda w: w.a.challenge)),
    "challenge-resolve": Record(pk(lambda w: w.a.challenge)),
    "challenge-escalate": Record(pk(lambda w: w.a.challenge)),
    "challenge-decide": Record(pk(lambda w: w.a.challenge)),
    "challenge-withdraw": Record(pk(lambda w: w.a.challenge)),
}

# Routes that hold no agency's records, with the reason.
EXEMPT = {
    "login": "the sign-in form",
    "logout": "signs the caller out; names no record",
    "password_reset": "asks for the caller's own reset link (tests/core/test_account__reset.py)",
    "password_reset_done": "says a link was sent; names no record",
    "password_reset_confirm": "sets a password from an e-mailed link, for that account only",
    "password_reset_complete": "says the password was reset; names no record",
    "password_change": "changes the caller's own password (tests/core/test_account__change.py)",
    "accessibility": "the accessibility statement: no data",
    "privacy": "the privacy notice: no data",
    "help": "help and contact: no data",
    "api-root": "links to the API's lists",
    "api-token": "issues the caller's own token, revokes the one in use",
    "api-token-list": "the caller's own tokens (tests/agencies/test_api__tokens.py)",
    "api-token-detail": "revokes one of the caller's own tokens; another's is a 404",
    "api-schema": "the OpenAPI document: no data",
    "api-docs": "the page that renders the schema",
    "api-not-found": "any other API path: a 404 for everyone",
}
# The Django admin is for staff (superusers), who see every agency by design.
EXEMPT_NAMESPACES = ("admin:",)


def route_names() -> tuple[set[str], list[str]]:
    """Every named route, with its namespace, and the unnamed patterns outside the admin."""
    names: set[str] = set()
    unnamed: list[str] = []

    def walk(patterns: list[Any], namespace: str, prefix: str) -> None:
        for p in patterns:
            if isinstance(p, URLResolver):
                ns = f"{namespace}{p.namespace}:" if p.namespace else namespace
                walk(p.url_patterns, ns, prefix + str(p.pattern))
            elif isinstance(p, URLPattern):
                if p.name:
                    names.add(namespace + p.name)
                elif not namespace.startswith(EXEMPT_NAMESPACES):
                    unnamed.append(prefix + str(p.pattern))

    walk(get_resolver().url_patterns, "", "")
    return names, unnamed


def test_every_route_is_in_the_isolation_matrix():
    names, unnamed = route_names()
    assert not unnamed, f"unnamed routes cannot be checked: {unnamed}"
    covered = {name.split("#")[0] for name in MATRIX} | set(EXEMPT)
    missing = sorted(n for n in names - covered if not n.startswith(EXEMPT_NAMESPACES))
    assert not missing, f"add these routes to the isolation matrix: {missing}"
    stale = sorted(covered - names)
    assert not stale, f"these matrix entries name no route: {stale}"


# -- the checks ----------------------------------------------------------------------------

PROJECT_APPS = (
    "agencies",
    "actions",
    "scr",
    "workflows",
    "core",
    "audits",
    "challenge_log",
    "risk_register",
    "improvement_plan",
    "viewflow",
    "django_fsm_log",
    "guardian",
)

# What a hostile or mistaken request would send: every field any form or endpoint reads.
PAYLOAD = {
    "text": "changed",
    "note": "changed",
    "reason": "changed",
    "description": "changed",
    "method": "re_audit",
    "evidence": "changed",
    "verdict": "embedded",
    "number": 9,
    "title": "changed",
    "user": 1,
    "to": 1,
    "lead": 1,
    "domain": "child",
    "influence": 2,
}
FORM_PAYLOAD = {
    **PAYLOAD,
    **{f"{step}-{key}": value for step in STEPS for key, value in PAYLOAD.items()},
}


def fingerprint() -> dict[str, list[dict[str, Any]]]:
    """Every row of the product's tables (and viewflow's, the log's, guardian's)."""
    rows = {}
    for model in apps.get_models():
        if model._meta.app_label in PROJECT_APPS:
            rows[model._meta.label] = list(model._default_manager.order_by("pk").values())
    return rows


def fill(template: str, w: World) -> str:
    return template.format(
        a_agency=w.a.agency.pk,
        a_review=w.a.review.pk,
        a_recommendation=w.a.recommendation.pk,
        shared=w.shared.pk,
    )


def text_of(response: Any) -> str:
    if response.get("Content-Type", "").startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml"
    ):
        book = load_workbook(io.BytesIO(response.content), read_only=True)
        return "\n".join(
            str(cell)
            for sheet in book.worksheets
            for row in sheet.iter_rows(values_only=True)
            for cell in row
            if cell is not None
        )
    if response.get("Content-Type", "").startswith("application/json"):
        return json.dumps(response.json())
    return response.content.decode()


def check_record(client: Any, name: str, kwargs: dict[str, Any]) -> list[str]:
    url = reverse(name, kwargs=kwargs)
    problems = []
    hidden = False
    for method in ("get", "post", "put", "patch", "delete"):
        if ":" in name:  # a page: a form post
            response = getattr(client, method)(url, FORM_PAYLOAD)
        else:
            response = getattr(client, method)(url, PAYLOAD, content_type="application/json")
        if response.status_code == 404:
            hidden = True
        elif response.status_code != 405:
            problems.append(f"{method.upper()} {url} -> {response.status_code}")
        if A.encode() in response.content:
            problems.append(f"{method.upper()} {url} shows agency A's marker")
    if not hidden:
        problems.append(f"{url}: no method answered 404")
    return problems


def walk_matrix(
    client: Any, world: World, matrix: dict[str, Record | Listing | Forbidden] = MATRIX
) -> tuple[list[str], int]:
    """Every route of ``matrix`` for the signed-in ``client``, given agency A's records
    (``world.a``): the problems found, and how many URLs were checked. Also used for
    someone who left agency A (tests/test_isolation__leaver.py)."""
    problems: list[str] = []
    checked = 0
    for entry, rule in matrix.items():
        name = entry.split("#")[0]
        if isinstance(rule, Record):
            for kwargs in rule.variants(world) if rule.variants else [rule.kwargs(world)]:
                problems += check_record(client, name, kwargs)
                checked += 1
        else:
            url = reverse(name, kwargs=rule.kwargs(world)) + fill(rule.query, world)
            response = client.get(url)
            checked += 1
            if isinstance(rule, Forbidden):
                if response.status_code != 403:
                    problems.append(f"GET {url} -> {response.status_code}, expected 403")
                continue
            if response.status_code != 200:
                problems.append(f"GET {url} -> {response.status_code}, expected 200")
                continue
            text = text_of(response)
            if rule.ids:
                key, of = rule.ids
                text = " ".join(
                    {of(world.a): A, of(world.b): B}.get(row[key], "")
                    for row in response.json()["results"]
                )
            if A in text:
                problems.append(f"GET {url} shows agency A's marker")
            filtered_to_a = "a_agency" in rule.query or "a_review" in rule.query
            if rule.control and not filtered_to_a and name != "agencies:list" and B not in text:
                problems.append(f"GET {url} does not show agency B's own records (control)")
    return problems, checked


@pytest.mark.django_db
def test_agency_b_never_reaches_agency_a(world, charlie):
    client = login(charlie)
    before = fingerprint()
    problems, checked = walk_matrix(client, world)
    assert not problems, "\n".join(problems)
    assert checked > len(MATRIX)
    assert fingerprint() == before, "charlie's requests changed agency A's records"


@pytest.mark.django_db
def test_agency_page_links_only_to_the_agencies_charlie_may_open(world, charlie):
    page = login(charlie).get(reverse("agencies:list")).content.decode()
    assert reverse("agencies:detail", args=[world.b.agency.pk]) in page
    assert reverse("agencies:detail", args=[world.a.agency.pk]) not in page
    assert world.a.lead.get_full_name() not in page
    assert "alice" not in page


@pytest.mark.django_db
def test_the_control_holds_for_agency_a(world, alice):
    """The same routes, signed in as alice: she sees her own records, so the absence of A's
    marker for charlie is isolation, not an empty page."""
    client = login(alice)
    for name, url in [
        ("actions:list", reverse("actions:list")),
        ("actions:detail", world.a.action.get_absolute_url()),
        ("scr:review", world.a.review.get_absolute_url()),
        ("action-detail", reverse("action-detail", args=[world.a.action.pk])),
        ("task-detail", reverse("task-detail", args=[world.a.task.pk])),
    ]:
        response = client.get(url)
        assert response.status_code == 200, name
        assert A in text_of(response), name
        assert B not in text_of(response), name


@pytest.mark.django_db
def test_admin_is_closed_to_agency_users(world, charlie):
    response = login(charlie).get(reverse("admin:index"))
    assert response.status_code == 302 and reverse("admin:login") in response["Location"]


@pytest.mark.django_db
def test_the_browsable_api_shows_agency_b_nothing_of_agency_a(world, charlie):
    """Every API route in the matrix again, as a browser asks for it (Accept: text/html):
    the browsable API's pages render forms whose drop-downs list related records (the
    reviews a recommendation may name, the agencies, the leads), and those are scoped like
    the lists: A's titles, its lead's name and username never appear."""
    client = login(charlie)
    lead = world.a.lead
    hidden = [A, lead.username] + ([lead.get_full_name()] if lead.get_full_name() else [])
    problems: list[str] = []
    pages = 0
    for entry, rule in MATRIX.items():
        name = entry.split("#")[0]
        if ":" in name or isinstance(rule, Forbidden):  # pages are checked above
            continue
        variants = rule.variants(world) if isinstance(rule, Record) and rule.variants else None
        for kwargs in variants or [rule.kwargs(world)]:
            query = fill(rule.query, world) if isinstance(rule, Listing) else ""
            url = reverse(name, kwargs=kwargs) + query
            response = client.get(url, HTTP_ACCEPT="text/html")
            pages += 1
            if not response.get("Content-Type", "").startswith("text/html"):
                problems.append(f"GET {url} (HTML) -> {response.get('Content-Type')}")
            html = response.content.decode()
            problems += [f"GET {url} (HTML) shows {text!r}" for text in hidden if text in html]
    assert not problems, "\n".join(problems)
    assert pages > 20
    # the control: B's own review is offered where a recommendation names one
    html = client.get(reverse("recommendation-list"), HTTP_ACCEPT="text/html").content.decode()
    assert f"{B} practice review" in html
