from __future__ import annotations

from django.contrib import admin

from actions.models import ActionChange
from core.admin import ReadOnlyAdmin


@admin.register(ActionChange)
class ActionChangeAdmin(ReadOnlyAdmin):
    """Changes to actions' details: part of the governance record, readable by
    administrators, never editable or deletable."""

    list_display = ["at", "action", "by", "reason"]
    list_select_related = ["action", "by"]
    search_fields = ["reason", "action__reference"]
    date_hierarchy = "at"
