from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django_fsm_log.models import StateLog

from core.forms import RESET_KEY
from core.models import Notification
from core.outbox import retry_failed


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


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdmin):
    """The outbox, read-only: what was queued for whom, whether it was sent, and why a
    send failed. A failed notification (it ran out of attempts) can be put back in the
    queue with the "Retry" action by whoever may change notifications."""

    list_display = ["created", "recipient", "subject", "status", "attempts", "sent_at", "error"]
    # The body is shown through ``message``, which hides what must stay secret.
    exclude = ["body"]
    readonly_fields = ["message"]
    list_filter = ["status"]
    search_fields = ["subject", "recipient__username", "recipient__email", "dedupe_key"]
    list_select_related = ["recipient"]
    date_hierarchy = "created"
    actions = ["retry"]

    @admin.display(description="Body")
    def message(self, obj: Notification) -> str:
        # A password reset e-mail holds a live sign-in link: whoever may read the outbox
        # must not be able to take over the account with it.
        if obj.dedupe_key.startswith(RESET_KEY):
            return "A password reset link: not shown, since it would let the reader in."
        return obj.body

    @admin.display(description="Last error")
    def error(self, obj: Notification) -> str:
        return obj.last_error[:80]

    def has_retry_permission(self, request: HttpRequest) -> bool:
        return bool(request.user.has_perm("core.change_notification"))

    @admin.action(
        description="Retry the selected failed notifications (back in the queue)",
        permissions=["retry"],
    )
    def retry(self, request: HttpRequest, queryset: QuerySet[Notification]) -> None:
        chosen = queryset.count()
        retried = retry_failed(queryset)
        if retried:
            self.message_user(
                request,
                f"{retried} failed notification(s) put back in the queue.",
                messages.SUCCESS,
            )
        if chosen - retried:
            self.message_user(
                request,
                f"{chosen - retried} notification(s) left as they were: only failed ones "
                "can be retried.",
                messages.WARNING,
            )
