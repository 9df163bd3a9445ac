"""Schema-driven fuzzing of the whole API (schemathesis), in process and bounded.

Every operation of the OpenAPI document gets a few generated requests, valid and
invalid (``positive`` and ``negative`` generation), each sent as two personas of the
demo partnership (``csc.lead``, an agency lead, and ``manager``, the partnership
manager), once with the path id as generated and once with the id of a real record of
that kind. Every answer must be documented: never a 5xx, a status code the operation
documents, a documented content type, and a body that matches the schema.

No network: the requests go to Django's WSGI application in this process, on the
test's own database (``load_demo``, once for the whole run), so POSTs change only the
test's data; each operation sees what the earlier ones left. Every operation is tried and
every failure reported together. ``MAX_EXAMPLES`` and ``derandomize`` keep the run short
and repeatable.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from django.contrib.auth import get_user_model
from django.core.handlers.wsgi import WSGIHandler
from django.core.management import call_command
from django.core.serializers.json import DjangoJSONEncoder
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from drf_spectacular.generators import SchemaGenerator
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from viewflow.workflow.models import Task

from actions.models import Action, LearningCheck
from agencies.models import Agency, ApiToken
from agencies.tokens import issue_token
from scr.models import Recommendation, Review

pytestmark = [pytest.mark.django_db, pytest.mark.fuzz]

PERSONAS = ("csc.lead", "manager")
MAX_EXAMPLES = 4  # per operation and generation mode
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
# The records a path's ``{id}`` names, by the path's first segment after /api/v1/.
RECORDS: dict[str, Any] = {
    "actions": Action,
    "agencies": Agency,
    "learning-checks": LearningCheck,
    "recommendations": Recommendation,
    "reviews": Review,
    "tasks": Task,
    "auth": ApiToken,
}


def _openapi() -> dict[str, Any]:
    """The document as /api/v1/schema/ serves it, generated in process."""
    document = SchemaGenerator().get_schema(request=None, public=True)
    return json.loads(json.dumps(document, cls=DjangoJSONEncoder))


class InProcessApp:
    """Django's WSGI application in this process, on the test's database connection."""

    def __init__(self) -> None:
        self.handler = WSGIHandler()

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        return self.handler(environ, start_response)


@pytest.fixture
def app() -> Iterator[InProcessApp]:
    # A real server closes the database connection at each request's start and end; in a
    # test that is the test's own connection, inside its transaction (Django's test
    # client disconnects the same two receivers).
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield InProcessApp()
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


@pytest.fixture
def demo(db) -> dict[str, Any]:
    """The demo partnership; the personas by username."""
    call_command("load_demo", verbosity=0)
    return {name: get_user_model().objects.get(username=name) for name in PERSONAS}


def _real_id(path: str, data: Any) -> int | None:
    model = RECORDS.get(path.removeprefix("/api/v1/").split("/")[0])
    ids = list(model.objects.order_by("pk").values_list("pk", flat=True)) if model else []
    return data.draw(st.sampled_from(ids), label="real id") if ids else None


def _fuzz(operation: Any, mode: GenerationMode, app: InProcessApp, personas: dict) -> None:
    """A few generated requests to ``operation``, each sent as every persona, with the
    generated path id and with a real record's."""

    @given(case=operation.as_strategy(generation_mode=mode), data=st.data())
    @settings(
        max_examples=MAX_EXAMPLES,
        deadline=None,
        derandomize=True,
        database=None,
        phases=[Phase.explicit, Phase.generate],  # no shrinking: the first failure is kept
        suppress_health_check=list(HealthCheck),
    )
    def run(case: Any, data: Any) -> None:
        ids: list[Any] = [None]
        if "id" in (case.path_parameters or {}):
            ids.append(_real_id(case.path, data))
        for user in personas.values():
            for pk in ids:
                if pk is not None:
                    case.path_parameters = {**case.path_parameters, "id": pk}
                # a fresh token each time: DELETE /auth/token/ revokes the one it is sent with
                _, key = issue_token(user=user, name="fuzz")
                case.call_and_validate(
                    app=app, headers={"Authorization": f"Token {key}"}, checks=CHECKS
                )

    run()


def _describe(exc: BaseException) -> str:
    if isinstance(exc, BaseExceptionGroup):
        return "\n".join(_describe(e) for e in exc.exceptions)
    return f"{type(exc).__name__}: {exc}"[:1500]


def test_every_operation_answers_as_documented(app, demo):
    schema = schemathesis.openapi.from_dict(_openapi())
    problems = []
    operations = 0
    for result in schema.get_all_operations():
        operation = result.ok()
        operations += 1
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            try:
                _fuzz(operation, mode, app, demo)
            except Unsatisfiable:
                # nothing to make invalid (no parameters, no body): positive mode covers it
                if mode is not GenerationMode.NEGATIVE:
                    raise
            # every operation is tried and every failure reported (schemathesis raises a
            # FailureGroup, a BaseExceptionGroup)
            except (Exception, BaseExceptionGroup) as exc:
                problems.append(f"{operation.label} ({mode}): {_describe(exc)}")
    assert operations > 30
    assert not problems, "\n\n".join(problems)
