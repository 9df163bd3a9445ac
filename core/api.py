"""The API's error contract: 400 with field errors, 403, 404, 409. Never a 500, for a
refused step or for bad input.

Query parameters are input like a body: a list reads its filters through a serializer
(:func:`query_params`), so ``?agency=abc`` or ``?state=bogus`` is a 400 with the field's
error, never a 500 or a silently ignored filter. :class:`IdField` takes a record's id as
the database holds it (ASCII digits, 1 to 2**63 - 1), and :class:`Pagination` bounds
``limit`` (at most :data:`MAX_PAGE_SIZE`) and checks ``offset``.

A related field in a request body is scoped to what the caller may see
(:class:`ScopedPrimaryKeyRelatedField`, :class:`ScopedSlugRelatedField`): its choices
(the browsable API's drop-downs) are what the list shows, and an id outside them is the
same 400 as one that does not exist. ``core.openapi`` puts the error answers in the
OpenAPI document."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Model, QuerySet
from django_fsm import ConcurrentTransition, TransitionNotAllowed
from rest_framework import serializers, status
from rest_framework.exceptions import NotFound
from rest_framework.pagination import LimitOffsetPagination
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework.views import exception_handler as drf_exception_handler
from viewflow.fsm import TransitionNotAllowed as FlowTransitionNotAllowed
from viewflow.workflow.exceptions import FlowLockFailed

from core.transitions import CONCURRENT_CHANGE, TransitionForbidden, TransitionRefused


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, TransitionRefused):
        return Response(
            {"detail": exc.message, "code": "transition_not_allowed"},
            status=status.HTTP_409_CONFLICT,
        )
    if isinstance(exc, TransitionForbidden):
        return Response(
            {"detail": exc.message, "code": "permission_denied"}, status=status.HTTP_403_FORBIDDEN
        )
    if isinstance(exc, TransitionNotAllowed | FlowTransitionNotAllowed | FlowLockFailed):
        return Response(
            {
                "detail": "That step is not allowed from the record's current state.",
                "code": "transition_not_allowed",
            },
            status=status.HTTP_409_CONFLICT,
        )
    if isinstance(exc, ConcurrentTransition):
        return Response(
            {"detail": CONCURRENT_CHANGE, "code": "transition_not_allowed"},
            status=status.HTTP_409_CONFLICT,
        )
    if isinstance(exc, DjangoValidationError):
        if hasattr(exc, "error_dict"):
            data: Any = {
                k: [str(m) for e in v for m in e.messages] for k, v in exc.error_dict.items()
            }
        else:
            data = {"non_field_errors": exc.messages}
        return Response(data, status=status.HTTP_400_BAD_REQUEST)
    return drf_exception_handler(exc, context)


# -- query parameters ----------------------------------------------------------------------
# The largest id the database holds (a signed 64-bit integer on SQLite and PostgreSQL).
MAX_ID = 2**63 - 1
MAX_PAGE_SIZE = 200
# An offset still leaves room for a page within the database's integers.
MAX_OFFSET = MAX_ID - MAX_PAGE_SIZE
WHOLE_NUMBER = "Must be a whole number."
_ASCII_DIGITS = re.compile(r"\s*[0-9]+\s*")


class WholeNumberField(serializers.IntegerField):
    """A whole number written in ASCII digits. ``int()`` alone takes "١٢" and refuses
    "²" with a ValueError, although ``"²".isdigit()`` is true."""

    default_error_messages = {"invalid": WHOLE_NUMBER}

    def to_internal_value(self, data: Any) -> int:
        if isinstance(data, bool) or not (
            isinstance(data, int) or (isinstance(data, str) and _ASCII_DIGITS.fullmatch(data))
        ):
            self.fail("invalid")
        return int(super().to_internal_value(data))


class IdField(WholeNumberField):
    """A record's id in a query string: optional, 1 to :data:`MAX_ID`."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("required", False)
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_ID)
        super().__init__(**kwargs)


def query_params(serializer_class: type[serializers.Serializer], request: Request) -> Any:
    """The request's query parameters checked by ``serializer_class``: its validated data,
    or a ``ValidationError`` (400 with the parameters' errors). An empty parameter
    (``?agency=``, as a form without a choice sends it) counts as not given."""
    data = {key: value for key, value in request.query_params.items() if value != ""}
    body = serializer_class(data=data)
    body.is_valid(raise_exception=True)
    return body.validated_data


# A viewset's ``lookup_value_regex``: path ids are ASCII digits, so "/actions/²/" (a
# digit to ``str.isdigit``, not to ``int``) is a 404, never a 500.
ID_PATTERN = "[0-9]+"


class PageQuery(serializers.Serializer):
    limit = WholeNumberField(required=False, min_value=1)
    offset = WholeNumberField(required=False, min_value=0, max_value=MAX_OFFSET)


class Pagination(LimitOffsetPagination):
    """``?limit=`` and ``?offset=``: a limit above :data:`MAX_PAGE_SIZE` gets
    :data:`MAX_PAGE_SIZE` rows (follow ``next`` for more); a limit or offset that is not a
    whole number in range is a 400, not a silent default."""

    max_limit = MAX_PAGE_SIZE

    def _page_query(self, request: Request) -> Any:
        # get_limit and get_offset both ask: check the two parameters once a request.
        checked = getattr(request, "_page_query", None)
        if checked is None:
            checked = query_params(PageQuery, request)
            request._page_query = checked  # type: ignore[attr-defined]
        return checked

    def get_limit(self, request: Request) -> int | None:
        limit = self._page_query(request).get("limit")
        if limit is None:
            return self.default_limit
        return min(limit, self.max_limit or limit)

    def get_offset(self, request: Request) -> int:
        return int(self._page_query(request).get("offset", 0))

    def get_schema_operation_parameters(self, view: Any) -> list[dict[str, Any]]:
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.limit_query_param:
                parameter["schema"].update(minimum=1, maximum=self.max_limit)
                parameter["description"] = (
                    f"Number of results to return per page (1 to {self.max_limit})."
                )
            elif parameter["name"] == self.offset_query_param:
                parameter["schema"].update(minimum=0)
        return parameters


# -- related fields scoped to the caller ---------------------------------------------------
Scope = Callable[[Any], "QuerySet[Any]"]


class _Scoped:
    """A related field whose queryset is ``scope(user)`` for the request's user: the same
    selector as the list, so the browsable API's drop-down offers only what the caller
    may see, and an id outside it fails as one that does not exist. Without a request in
    the serializer's context (or signed out) the scope is an anonymous user's: nothing.

    ``model`` tells the OpenAPI document the field's type; its queryset is never read."""

    context: dict[str, Any]  # DRF's Field.context, which this mixin is used with

    def __init__(self, *, scope: Scope, model: type[Model], **kwargs: Any) -> None:
        self.scope = scope
        kwargs["queryset"] = model._default_manager.none()
        super().__init__(**kwargs)

    def get_queryset(self) -> QuerySet[Any]:
        request = self.context.get("request")
        return self.scope(getattr(request, "user", None) or AnonymousUser())


class ScopedPrimaryKeyRelatedField(_Scoped, serializers.PrimaryKeyRelatedField):
    pass


class ScopedSlugRelatedField(_Scoped, serializers.SlugRelatedField):
    pass


class NotFoundView(APIView):
    """Any other path under /api/v1/ (``/api/v1/actions/x/``, an id that is not a
    number): a JSON 404 like every other refusal of the API, not the site's HTML page.
    Signed-out callers get the API's 403 first, as everywhere else."""

    schema = None  # not an operation of the API

    def http_method_not_allowed(self, request: Any, *args: Any, **kwargs: Any) -> Any:
        raise NotFound
