from __future__ import annotations

from typing import Any

from django import template

register = template.Library()


@register.simple_tag
def action_rag(action: Any) -> str:
    return action.rag()


@register.filter
def source_label(record: Any) -> str:
    """An action's source as its app registered it ("Child T recommendation 2")."""
    from actions.sources import label

    return label(record)
