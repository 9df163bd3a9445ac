from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.http import HttpRequest
from django.utils import timezone

from agencies.models import Agency, AgencyUserObjectPermission, ApiToken, Membership, Partnership

User = get_user_model()


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 1
    autocomplete_fields = ["agency"]


class GrantInline(admin.TabularInline):
    """Grants are derived from memberships, so they are shown, never edited here."""

    model = AgencyUserObjectPermission
    fk_name = "user"
    extra = 0
    can_delete = False
    fields = ("content_object", "permission")
    readonly_fields = ("content_object", "permission")
    verbose_name = "permission granted from memberships"
    verbose_name_plural = (
        "permissions granted from memberships (change the memberships to change these)"
    )

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Agency)
class AgencyAdmin(admin.ModelAdmin):
    list_display = ["name", "short_name", "kind", "is_active"]
    list_filter = ["kind", "is_active"]
    search_fields = ["name", "short_name"]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "agency", "role"]
    list_filter = ["role", "agency"]
    search_fields = ["user__username", "user__first_name", "user__last_name", "agency__name"]
    autocomplete_fields = ["user", "agency"]
    list_select_related = ["user", "agency"]


@admin.register(Partnership)
class PartnershipAdmin(admin.ModelAdmin):
    list_display = ["name", "learning_check_months", "amber_window_days"]


TOKEN_FIELDS = ("prefix", "name", "created", "expires", "last_used")


class ApiTokenInline(admin.TabularInline):
    """The person's API tokens: tick "delete" to revoke one. Tokens are issued only to
    their owner (``POST /api/v1/auth/token/``), never here."""

    model = ApiToken
    extra = 0
    fields = TOKEN_FIELDS
    readonly_fields = TOKEN_FIELDS
    verbose_name_plural = "API tokens (delete to revoke)"

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Revoke anyone's API token (delete it); nothing here issues or changes one."""

    list_display = ["prefix", "user", "name", "created", "expires", "last_used", "live"]
    list_select_related = ["user"]
    search_fields = ["user__username", "prefix", "name"]
    readonly_fields = ("user", *TOKEN_FIELDS)
    fields = readonly_fields

    @admin.display(boolean=True)
    def live(self, obj: ApiToken) -> bool:
        return obj.expires > timezone.now()

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


admin.site.unregister(User)


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    inlines = [MembershipInline, GrantInline, ApiTokenInline]


admin.site.site_header = "Safeguarding partnership administration"
admin.site.site_title = "Partnership administration"
