"""Steps, declared once.

A step is something a person does to a record: start the work, add evidence, sign it
off, cancel it. A loop declares each of its steps once, as a :class:`Step` (its label
and button, the service that takes it, the form the page shows, the serializer the
API reads, who may take it and when the record's state allows it, and what to say),
and gathers them in a :class:`StepSet`. From that one declaration come:

* the record page's "What you can do next": :func:`next_steps` lists the steps the
  user may take on the record now, each with its form, for the include
  ``templates/includes/next_steps.html``;
* the page POST: :func:`step_page_view`, one view for every step
  (``<record>/steps/<name>/``);
* the API: :class:`StepViewSetMixin` adds one endpoint per step to a DRF viewset
  (``POST /api/v1/<records>/<id>/<api_path>/``);
* the list of the steps available to a user (:meth:`StepSet.offered`).

The order of the checks is the same everywhere, and the permission always comes
before the input, so the answer to someone who may not take a step never depends on
what they sent:

* pages: 404 if the record is not one the user may see (or the step does not exist),
  403 if they may not take the step (whatever the state), then a state that does not
  allow it now goes back to the record page with the reason (post/redirect/get), then
  the form (its errors on the record page, 400), then the service;
* API: 404, 403, then the body (400 with field errors), then the service (409 for a
  state that does not allow it, from ``core.transitions``).

The services keep their own guard (``core.transitions.run_transition`` checks the
transition's permission and state): the declaration's ``permitted`` and ``states``
only decide what is offered and answer early, and should call the same rules the
model's transitions do. ``core`` knows no domain app: a loop passes its record lookup
(visible records only) and its services in.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterator
from dataclasses import dataclass, field
from typing import Any, ClassVar

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.decorators import action as api_action
from rest_framework.request import Request
from rest_framework.response import Response

from core.forms import add_service_errors
from core.memo import all_or_nothing, one_step
from core.openapi import CONFLICT
from core.submissions import AlreadySubmitted, Submission
from core.transitions import TransitionForbidden, TransitionRefused

STYLES = ("", "secondary", "warning")


@dataclass(frozen=True)
class Step:
    """One step a person may take on a record.

    ``service`` is called as ``service(<record_arg>=record, by=user, **data)``, where
    ``data`` is the form's ``cleaned_data`` (pages) or the serializer's
    ``validated_data`` (API): name their fields as the service's arguments.
    ``permitted(record, user)`` says whether the user may ever take the step on this
    record, whatever its state (else 403 with ``forbidden``); ``states`` (the record
    states that allow it) or ``available(record)`` whether the record allows it now
    (else ``refused``: a message, or a function of the record giving one)."""

    name: str  # the page URL's segment and the form's prefix
    label: str  # the heading of its form on the record page
    button: str
    service: Callable[..., Any]
    form: type[forms.Form]
    serializer: type[serializers.Serializer]
    permitted: Callable[[Any, Any], bool]
    forbidden: str
    refused: str | Callable[[Any], str]
    states: Collection[str] | None = None
    available: Callable[[Any], bool] | None = None
    success: str = ""
    # What a second post of a form that succeeded says ("This step was already taken:
    # you signed off {record}"; " at 3:04pm." is added).
    done: str = ""
    style: str = ""  # the button: "" (primary), "secondary" or "warning"
    # The form only takes something optional (a comment): shown folded under the button.
    optional: bool = False
    api_path: str = ""  # default: the name, with "-" for "_"
    api_name: str = ""  # the viewset method (and URL name); default: the name
    # The API's answer: the record (the viewset's serializer) or, with ``api_result``,
    # the service's result in that serializer; with ``api_status``.
    api_result: type[serializers.Serializer] | None = None
    api_status: int = 200
    # A step that cannot be undone (cancel, sign off): the page's first post shows a
    # confirm page with this GOV.UK warning and the values sent as hidden fields; only
    # a second post with ``confirm=yes`` takes the step. The API is not asked.
    confirm: str = ""

    def __post_init__(self) -> None:
        if self.style not in STYLES:
            raise ValueError(f"Step {self.name}: style is one of {STYLES}")
        if self.states is not None and self.available is not None:
            raise ValueError(f"Step {self.name}: give states or available, not both")
        if not self.api_path:
            object.__setattr__(self, "api_path", self.name.replace("_", "-"))
        if not self.api_name:
            object.__setattr__(self, "api_name", self.name)
        if self.states is not None:
            object.__setattr__(self, "states", frozenset(str(s) for s in self.states))

    def refused_for(self, record: Any) -> str:
        return self.refused(record) if callable(self.refused) else self.refused


@dataclass
class StepSet:
    """A record type's steps, in the order the record page offers them.

    ``record_arg`` is the keyword the services take the record as (``action``);
    ``get_record(user, pk)`` returns a record the user may see or raises ``Http404``;
    ``url_name`` is the page route taking ``pk`` and ``step``; ``state_field`` the
    record's state, read by the steps' ``states``; ``record_url(record)`` the record
    page the step pages go back to (default: its ``get_absolute_url()``)."""

    steps: list[Step]
    record_arg: str
    get_record: Callable[[Any, int], Any]
    url_name: str
    state_field: str = "state"
    record_url: Callable[[Any], str] | None = None
    _by_name: dict[str, Step] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._by_name = {}
        for step in self.steps:
            if step.name in self._by_name:
                raise ValueError(f"Two steps are named {step.name!r}")
            self._by_name[step.name] = step
        if len({s.api_path for s in self.steps}) != len(self.steps):
            raise ValueError("Two steps share an API path")

    # -- a mapping of name -> Step ------------------------------------------------------
    def __iter__(self) -> Iterator[str]:
        return iter(self._by_name)

    def __len__(self) -> int:
        return len(self._by_name)

    def __contains__(self, name: object) -> bool:
        return name in self._by_name

    def __getitem__(self, name: str) -> Step:
        return self._by_name[name]

    def get(self, name: str) -> Step | None:
        return self._by_name.get(name)

    def values(self) -> list[Step]:
        return list(self.steps)

    # -- the rules ---------------------------------------------------------------------
    def allows_now(self, step: Step, record: Any) -> bool:
        """Whether the record's state allows ``step`` now (whoever asks)."""
        if step.available is not None:
            return bool(step.available(record))
        if step.states is not None:
            return str(getattr(record, self.state_field)) in step.states
        return True

    def offered(self, record: Any, user: Any) -> list[Step]:
        """The steps ``user`` may take on ``record`` now, in order: what the record page
        offers. The state is read first, so only the steps it allows ask who may."""
        return [s for s in self.steps if self.allows_now(s, record) and s.permitted(record, user)]

    def why_not(self, step: Step, record: Any, user: Any) -> str | None:
        """Why ``user`` may not take ``step`` on ``record`` now, or None if they may."""
        if not step.permitted(record, user):
            return step.forbidden
        if not self.allows_now(step, record):
            return step.refused_for(record)
        return None

    def run(self, step: Step, record: Any, user: Any, data: dict[str, Any]) -> Any:
        return step.service(**{self.record_arg: record}, by=user, **data)

    def url(self, record: Any, step: Step) -> str:
        """Where ``step``'s form on the record page posts."""
        return reverse(self.url_name, kwargs={"pk": record.pk, "step": step.name})

    def page(self, record: Any) -> str:
        """The record page."""
        if self.record_url is not None:
            return self.record_url(record)
        return str(record.get_absolute_url())


# -- pages ----------------------------------------------------------------------------
@dataclass
class NextStep:
    """One form of "What you can do next": the step, its form and where it posts."""

    step: Step
    form: forms.Form
    url: str


def next_steps(
    steps: StepSet, record: Any, user: Any, bound: dict[str, forms.Form] | None = None
) -> list[NextStep]:
    """The steps ``user`` may take on ``record`` now, each with its form (the one in
    ``bound``, with its errors, if the page is shown again after a post), for
    ``{% include "includes/next_steps.html" %}``."""
    bound = bound or {}
    return [
        NextStep(step, bound.get(step.name) or step.form(prefix=step.name), steps.url(record, step))
        for step in steps.offered(record, user)
    ]


# render_record(request, record, bound forms by step name, status) -> the record page
RenderRecord = Callable[[HttpRequest, Any, dict[str, forms.Form], int], HttpResponse]


def step_page_view(steps: StepSet, render_record: RenderRecord) -> Callable[..., HttpResponse]:
    """The view of ``<record>/steps/<step>/`` for every step of ``steps``.

    POST: 404 if the record is not one the user may see or the step does not exist;
    403 if the user may not take the step (before the form is read); a second post of a
    form whose first succeeded (its one-time token used: ``core.submissions``) goes
    back where the first went, saying so; a step the state does not allow now goes
    back to the record page with the reason as an error message (post/redirect/get);
    a form with errors shows the record page again with the GOV.UK error summary
    (400); then the service, whose refusal (409) is an error message, whose
    ``ValidationError`` goes on the form, and whose success is a success message.
    GET (a bookmarked or reloaded step URL) goes to the record page with a message."""

    @login_required
    @require_http_methods(["GET", "POST"])
    def view(request: HttpRequest, pk: int, step: str) -> HttpResponse:
        with one_step():  # the permission asked by the page and the service: once
            return take(request, pk, step)

    def take(request: HttpRequest, pk: int, step: str) -> HttpResponse:
        record = steps.get_record(request.user, pk)
        spec = steps.get(step)
        if spec is None:
            raise Http404("No such step")
        if request.method == "GET":
            reason = steps.why_not(spec, record, request.user)
            messages.info(request, reason or f"{spec.label}: use its form on this page.")
            return redirect(steps.page(record))
        if not spec.permitted(record, request.user):
            raise PermissionDenied(spec.forbidden)
        submission = Submission(request, prefix=spec.name)
        # A second post of a form whose first succeeded: usually the state no longer
        # allows the step, so the used token is looked for only then (and before the
        # confirm page); otherwise the claim's one INSERT finds it (AlreadySubmitted).
        if not steps.allows_now(spec, record):
            if (repeated := submission.repeated()) is not None:
                return repeated
            messages.error(request, spec.refused_for(record))
            return redirect(steps.page(record))
        form = spec.form(request.POST, request.FILES, prefix=spec.name)
        if not form.is_valid():
            if (repeated := submission.repeated()) is not None:
                return repeated
            return render_record(request, record, {spec.name: form}, 400)
        url = steps.page(record)
        if spec.confirm and request.POST.get(CONFIRM_FIELD) != "yes":
            if (repeated := submission.repeated()) is not None:
                return repeated
            return _confirm_page(request, steps, spec, record)
        done = spec.done.format(record=record)
        try:
            with submission.claim(url, done) as outcome, all_or_nothing(outcome.atomic):
                steps.run(spec, record, request.user, form.cleaned_data)
                outcome.done(url, done)
        except AlreadySubmitted:
            return submission.already(url)
        except TransitionForbidden as exc:
            raise PermissionDenied(exc.message) from exc
        except TransitionRefused as exc:
            messages.error(request, exc.message)
            return redirect(url)
        except ValidationError as exc:
            add_service_errors(form, exc)
            record.refresh_from_db()
            return render_record(request, record, {spec.name: form}, 400)
        if spec.success:
            messages.success(request, spec.success)
        return redirect(url)

    return view


CONFIRM_FIELD = "confirm"


def _confirm_page(request: HttpRequest, steps: StepSet, spec: Step, record: Any) -> HttpResponse:
    """The page asking to confirm ``spec`` (it works without JavaScript): the warning,
    the values sent (one-time token included, unclaimed yet) as hidden fields, and a
    button posting them again with ``confirm=yes``; or go back to the record."""
    carried = [
        (name, value)
        for name, values in request.POST.lists()
        if name not in ("csrfmiddlewaretoken", CONFIRM_FIELD)
        for value in values
    ]
    return render(
        request,
        "includes/confirm_step.html",
        {
            "record": record,
            "step": spec,
            "carried": carried,
            "url": steps.url(record, spec),
            "back": steps.page(record),
        },
    )


# -- the API --------------------------------------------------------------------------
class StepViewSetMixin:
    """For a DRF viewset of one record type: one ``POST`` endpoint per step of
    ``steps``, at ``<id>/<step.api_path>/`` (URL name ``<basename>-<api_name>``), with
    the step's serializer as its documented body. Each answers 404 for a record the
    caller may not see (the viewset's ``get_object``), 403 if they may not take the
    step (before the body is read), 400 with field errors for a bad body, 409 if the
    record's state does not allow it (the service), else the record as the viewset's
    ``serializer_class`` shows it (or the step's ``api_result``).

    If the viewset already has an action at that name (a ``GET`` listing, say), the
    step is added to it as its ``POST``."""

    steps: ClassVar[StepSet]

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        steps = getattr(cls, "steps", None)
        if steps is None:
            return
        for step in steps.values():
            _add_step_endpoint(cls, step)

    def take_step(self, request: Request, step: Step) -> Response:
        with one_step():  # the permission asked here and by the service: once
            return self._take_step(request, step)

    def _take_step(self, request: Request, step: Step) -> Response:
        view: Any = self
        record = view.get_object()
        if not step.permitted(record, request.user):
            raise TransitionForbidden(step.forbidden)
        body = step.serializer(data=request.data)
        body.is_valid(raise_exception=True)
        result = self.steps.run(step, record, request.user, dict(body.validated_data))
        if step.api_result is not None:
            return Response(step.api_result(result).data, status=step.api_status)
        record.refresh_from_db()
        return Response(view.serializer_class(record).data, status=step.api_status)


def _add_step_endpoint(cls: type, step: Step) -> None:
    def endpoint(self: Any, request: Request, pk: str | None = None) -> Response:
        return self.take_step(request, step)  # type: ignore[no-any-return]

    endpoint.__doc__ = f"{step.label}."
    record_serializer = getattr(cls, "serializer_class", None)
    documented = extend_schema(
        request=step.serializer,
        responses={step.api_status: step.api_result or record_serializer, **CONFLICT},
        summary=step.label,
    )
    existing = cls.__dict__.get(step.api_name)
    if existing is not None and hasattr(existing, "mapping"):
        # the step is the POST of an action the viewset declares (e.g. a GET list)
        endpoint.__name__ = f"{step.api_name}_step"
        setattr(cls, endpoint.__name__, documented(endpoint))
        existing.mapping.post(getattr(cls, endpoint.__name__))
        return
    if existing is not None:
        raise TypeError(f"{cls.__name__}.{step.api_name} is taken: name the step's api_name")
    endpoint.__name__ = step.api_name
    setattr(
        cls,
        step.api_name,
        documented(api_action(detail=True, methods=["post"], url_path=step.api_path)(endpoint)),
    )
