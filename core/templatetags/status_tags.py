"""``{% state_tag record %}`` and ``{% rag_tag rag %}``: a record's state and a RAG rating
as GOV.UK tags, coloured by meaning and always with the words (the colour is never the
only signal). Every page that shows an action's state or RAG uses these, so a state has
the same colour everywhere.

GOV.UK Frontend 6's tag colours: the plain tag is blue; grey, green, teal, purple,
magenta, red, orange and yellow are modifiers. ``core`` imports no domain app, so the
states are named by their stored values here.
"""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.html import format_html

register = template.Library()

BLUE = ""  # GOV.UK Frontend 6's plain tag is blue

# A state's stored value -> its tag colour.
STATE_COLOURS = {
    "assigned": "purple",  # new, nobody has started it
    "in_progress": BLUE,
    "evidence_submitted": "yellow",  # waiting for the L&I group
    "returned": "orange",  # back with the agency: more evidence needed
    "accepted": "teal",  # waiting for sign-off
    "signed_off": "green",
    "learning_check_due": "yellow",
    "embedded": "green",
    "partly_embedded": "orange",
    "not_embedded": "red",
    "cancelled": "grey",
    # audits and their forms (accepted, returned, assigned, in progress as above)
    "planning": "purple",
    "sampling": "purple",
    "submitted": "yellow",  # waiting for the moderator
    "moderation": "yellow",
    "findings_drafted": "teal",
    "closed": "grey",
    # the challenge log
    "raised": "purple",
    "awaiting_response": "yellow",
    "responded": "teal",
    "escalated": "red",
    "resolved": "green",
    "resolved_by_chair": "green",
    "withdrawn": "grey",
    # the improvement plan
    "draft": "purple",
    "consultation": "yellow",
    "approved": "teal",
    "active": BLUE,
}

# A RAG rating -> its words and colour.
RAG_TAGS = {
    "red": ("Overdue", "red"),
    "amber": ("Due soon", "orange"),
    "green": ("On track", "green"),
    "complete": ("Complete", BLUE),
    "cancelled": ("Cancelled", "grey"),
}


def tag_class(colour: str) -> str:
    return f"govuk-tag govuk-tag--{colour}" if colour else "govuk-tag"


def _tag(colour: str, words: Any) -> str:
    return format_html('<strong class="{}">{}</strong>', tag_class(colour), words)


@register.simple_tag
def state_tag(record_or_state: Any, label: str = "") -> str:
    """A record (its ``state`` and ``get_state_display()``) or a state's stored value
    (with its ``label``, else the value in words) as a tag. A state this module does not
    know is grey."""
    if hasattr(record_or_state, "get_state_display"):
        state = str(record_or_state.state)
        label = label or str(record_or_state.get_state_display())
    else:
        state = str(record_or_state or "")
        label = label or state.replace("_", " ").capitalize()
    return _tag(STATE_COLOURS.get(state, "grey"), label)


@register.simple_tag
def rag_tag(rag: Any) -> str:
    """A RAG rating (``red``, ``amber``, ``green``, ``complete``, ``cancelled``) as a
    tag with its words ("Overdue", "Due soon", ...)."""
    words, colour = RAG_TAGS.get(str(rag), (str(rag).capitalize(), "grey"))
    return _tag(colour, words)
