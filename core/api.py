"""The API's error contract: 400 with field errors, 403, 404, 409. Never a 500 for a
refused step."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django_fsm import ConcurrentTransition, TransitionNotAllowed
from rest_framework import status
from rest_framework.response import Response
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
