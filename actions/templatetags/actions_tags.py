from __future__ import annotations

from typing import Any

from django import template

register = template.Library()


@register.simple_tag
def action_rag(action: Any) -> str:
    return action.rag()
