from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.messages import constants, get_messages
from django.http import HttpRequest


def partnership(request: HttpRequest) -> dict[str, Any]:
    return {"PARTNERSHIP_NAME": settings.PARTNERSHIP_NAME}


def error_message(request: HttpRequest) -> dict[str, Any]:
    """``has_error_message``: the page carries an error message from a redirect (a step
    refused), so base.html starts its <title> with "Error: " as GOV.UK asks."""
    return {
        "has_error_message": any(
            message.level >= constants.ERROR for message in get_messages(request)
        )
    }
