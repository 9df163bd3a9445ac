from __future__ import annotations

from django.contrib import admin

from challenge_log.models import Challenge, ChallengeResponse, Stage
from core.admin import ReadOnlyAdmin

CHANGES_APPLY = (
    "Changes apply only to stages opened from now on. A challenge already at a stage keeps "
    "the deadline it was given when that stage opened; the next challenge to reach the "
    "stage (raised, or escalated to it) gets the new working days."
)


@admin.register(Stage)
class StageAdmin(admin.ModelAdmin):
    """The partnership's stages of escalation: rename them, change who responds and the
    working days each allows. Changes apply to stages opened from then on: a challenge
    keeps the deadline it was given when its stage opened (the page says so)."""

    list_display = ["number", "name", "responder", "working_days", "urgent_working_days"]
    ordering = ["number"]
    fieldsets = [
        (
            None,
            {
                "fields": ["number", "name", "responder", "working_days", "urgent_working_days"],
                "description": CHANGES_APPLY,
            },
        )
    ]


@admin.register(Challenge)
class ChallengeAdmin(ReadOnlyAdmin):
    """Challenges move only through their steps (pages, API, scheduler): read-only here."""

    list_display = ["__str__", "kind", "raised_by_agency", "challenged_agency", "state", "stage"]
    list_filter = ["state", "kind", "area"]
    list_select_related = ["raised_by_agency", "challenged_agency", "stage"]
    date_hierarchy = "raised_on"


@admin.register(ChallengeResponse)
class ChallengeResponseAdmin(ReadOnlyAdmin):
    list_display = ["challenge", "stage", "by", "at"]
    list_select_related = ["challenge", "stage", "by"]
