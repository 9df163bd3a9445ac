from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest


def partnership(request: HttpRequest) -> dict[str, Any]:
    return {"PARTNERSHIP_NAME": settings.PARTNERSHIP_NAME}
