"""``manages_tasks`` for the service navigation: whether the user may reassign some
agency's tasks, so the navigation links to Team tasks (``workflows:team``, which asks
the same question). Worked out only when a page asks: the permission cache and the
per-agency grants, both read once per request (and usually read already by the page)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from workflows.selectors import manages_tasks


def task_navigation(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    return {"manages_tasks": SimpleLazyObject(lambda: user is not None and manages_tasks(user))}
