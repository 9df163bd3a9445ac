from __future__ import annotations

from django.contrib import admin

from challenge_log.models import Challenge, ChallengeResponse, Stage
from core.admin import ReadOnlyAdmin


@admin.register(Stage)
class StageAdmin(admin.ModelAdmin):
    """The partnership's stages of escalation: rename them, change who responds and the
    working days each allows. Changes apply to stages opened from then on."""

    list_display = ["number", "name", "responder", "working_days", "urgent_working_days"]
    ordering = ["number"]


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
