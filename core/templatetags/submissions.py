"""``{% submission_token form %}``: the hidden one-time token of a form that changes
something (``core.submissions``). Put it next to ``{% csrf_token %}``. With a form, the
field takes the form's prefix; a bound form re-rendered with errors keeps the token it
was sent, so it stays valid until a successful submission. Without a form (a form that
is only a button, such as "Pick up"), each use is a new token."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.html import format_html

from core.submissions import FIELD, new_token, valid_token

register = template.Library()


@register.simple_tag
def submission_token(form: Any = None) -> str:
    name = form.add_prefix(FIELD) if form is not None else FIELD
    token = ""
    if form is not None and getattr(form, "is_bound", False):
        token = valid_token(form.data.get(name))
    return format_html('<input type="hidden" name="{}" value="{}">', name, token or new_token())
