"""Signals the challenge log sends; the workflow layer listens (a domain app never imports
``workflows``)."""

from django.dispatch import Signal

# A challenge's stage opened (raised, or escalated to the next stage): sender=Challenge,
# challenge. The workflow starts the stage's flow, routing the response to its people.
challenge_stage_opened = Signal()
