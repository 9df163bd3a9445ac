from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from actions.models import ActionChange


@admin.register(ActionChange)
class ActionChangeAdmin(admin.ModelAdmin):
    """Changes to actions' details: part of the governance record, readable by
    administrators, never editable or deletable."""

    list_display = ["at", "action", "by", "reason"]
    list_select_related = ["action", "by"]
    search_fields = ["reason", "action__reference"]
    date_hierarchy = "at"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
