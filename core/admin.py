from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from django_fsm_log.models import StateLog


class ReadOnlyAdmin(admin.ModelAdmin):
    """For records that are the governance trail (transitions, changes to details):
    administrators may read them, nobody may add, change or delete them."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(StateLog)
class StateLogAdmin(ReadOnlyAdmin):
    """The governance record: readable by administrators, never editable or deletable."""

    list_display = [
        "timestamp",
        "content_type",
        "object_id",
        "transition",
        "source_state",
        "state",
        "by",
    ]
    list_filter = ["content_type", "transition"]
    list_select_related = ["content_type", "by"]
    date_hierarchy = "timestamp"
