from __future__ import annotations

from django.contrib import admin

from core.admin import ReadOnlyAdmin
from scr.models import ReviewChange


@admin.register(ReviewChange)
class ReviewChangeAdmin(ReadOnlyAdmin):
    """Corrections to reviews and recommendations: part of the governance record,
    readable by administrators, never editable or deletable."""

    list_display = ["at", "review", "recommendation", "by"]
    list_select_related = ["review", "recommendation", "by"]
    date_hierarchy = "at"
