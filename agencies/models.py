from __future__ import annotations

from django.conf import settings
from django.db import models
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase

from core.models import TimeStampedModel


def validate_regular_expression(value: str) -> None:
    """The partnership's case reference pattern must compile."""
    import re

    from django.core.exceptions import ValidationError

    try:
        re.compile(value)
    except re.error as exc:
        raise ValidationError(f"This is not a valid regular expression: {exc}") from exc


class AgencyKind(models.TextChoices):
    CHILDRENS_SOCIAL_CARE = "csc", "Children's social care"
    POLICE = "police", "Police"
    HEALTH_COMMISSIONER = "health_commissioner", "Health commissioner"
    HEALTH_PROVIDER = "health_provider", "Health provider"
    EDUCATION = "education", "Education"
    PROBATION = "probation", "Probation"
    YOUTH_JUSTICE = "youth_justice", "Youth justice"
    VOLUNTARY_SECTOR = "voluntary", "Voluntary sector"
    OTHER = "other", "Other"
    # The partnership itself (its business unit, the Chair): the owner of actions no single
    # agency owns, such as the improvement plan's. Partnership roles see it as every agency.
    PARTNERSHIP = "partnership", "Safeguarding partnership"


class Agency(TimeStampedModel):
    """A partner agency: the unit of access. Per-agency rights are guardian object
    permissions on this record, granted from memberships by ``agencies.grants``."""

    name = models.CharField(max_length=200, unique=True)
    short_name = models.CharField(max_length=60, blank=True)
    kind = models.CharField(max_length=30, choices=AgencyKind.choices)
    is_active = models.BooleanField("active", default=True)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "agencies"
        permissions = [
            ("view_agency_records", "See the agency's records"),
            ("raise_challenge", "Raise a challenge on behalf of the agency"),
            ("respond_to_challenge", "Respond to challenges raised against the agency"),
            (
                "respond_challenge_manager",
                "Respond to challenges against the agency at manager level",
            ),
            (
                "respond_challenge_senior",
                "Respond to challenges against the agency as a designated or senior lead",
            ),
            ("complete_audit_form", "Complete the agency's audit forms"),
            ("update_action", "Report progress and submit evidence on the agency's actions"),
            ("sign_off_action", "Sign off the agency's actions"),
            ("download_evidence", "Download the agency's evidence files"),
            ("manage_agency_tasks", "Reassign the agency's workflow tasks"),
            ("receive_reminders", "Receive the agency's overdue reminders"),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("agencies:detail", args=[self.pk])

    @property
    def label(self) -> str:
        return self.short_name or self.name


class Role(models.TextChoices):
    PRACTITIONER = "practitioner", "Practitioner"
    MANAGER = "manager", "Manager"
    DESIGNATED_LEAD = "designated_lead", "Designated safeguarding lead"
    AGENCY_LEAD = "agency_lead", "Agency lead"
    AUDITOR = "auditor", "Auditor"


class Membership(TimeStampedModel):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    agency = models.ForeignKey(Agency, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=30, choices=Role.choices)

    class Meta:
        ordering = ["agency__name", "role"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "agency", "role"], name="unique_membership_role"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} — {self.get_role_display()}, {self.agency}"


class AgencyUserObjectPermission(UserObjectPermissionBase):
    """Guardian's direct foreign-key table for user grants on an Agency: joins by
    integer key instead of guardian's generic text ``object_pk``."""

    content_object = models.ForeignKey(Agency, on_delete=models.CASCADE)

    class Meta(UserObjectPermissionBase.Meta):
        indexes = [models.Index(fields=["user", "permission", "content_object"])]


class AgencyGroupObjectPermission(GroupObjectPermissionBase):
    content_object = models.ForeignKey(Agency, on_delete=models.CASCADE)


class GrantStamp(models.Model):
    """When a user's grants last changed, as a random number (``agencies.stamps``): a
    process keeps a user's grants and permissions between requests while their stamp,
    one indexed read a request, stays the same. ``key`` is the user's id, or 0 for a
    change that may touch anyone (a group's permissions)."""

    key = models.BigIntegerField(primary_key=True)
    stamp = models.BigIntegerField()

    def __str__(self) -> str:
        return f"{self.key}: {self.stamp}"


class Partnership(models.Model):
    """Settings of the partnership that runs this install (one row)."""

    name = models.CharField(max_length=200, default="Safeguarding Children Partnership")
    learning_check_months = models.PositiveSmallIntegerField(
        default=6, help_text="Months after sign-off that a learning check falls due."
    )
    amber_window_days = models.PositiveSmallIntegerField(
        default=14, help_text="An action due within this many days shows amber."
    )
    overdue_escalation_working_days = models.PositiveSmallIntegerField(
        default=20,
        help_text="An action overdue by more than this many working days is flagged to "
        "the partnership manager.",
    )
    case_reference_pattern = models.CharField(
        max_length=200,
        default=r"^(?=.*[0-9])[A-Z0-9][A-Z0-9/-]{2,29}$",
        validators=[validate_regular_expression],
        help_text="A regular expression every case reference must match (audits' cases, "
        "professional differences). The default takes 3 to 30 capital letters, digits, "
        "hyphens and slashes with at least one digit (e.g. LCS-104233), so a child's name "
        "cannot be entered.",
    )
    case_reference_hint = models.CharField(
        max_length=200,
        default="The child's case number in your agency's system, for example LCS-104233. "
        "Never a name.",
        help_text="Shown under every case reference field.",
    )

    def __str__(self) -> str:
        return self.name

    @classmethod
    def current(cls) -> Partnership:
        obj = cls.objects.order_by("pk").first()
        if obj is None:
            obj = cls.objects.create(name=settings.PARTNERSHIP_NAME)
        return obj


class ApiToken(models.Model):
    """A bearer token for the API (``Authorization: Token <key>``), issued by
    ``POST /api/v1/auth/token/`` and read by ``agencies.tokens.ApiTokenAuthentication``.
    Only a SHA-256 digest of the key is stored (the key is shown once, when issued), with
    its first characters so its owner can tell tokens apart. It stops working at
    ``expires``; its owner or an administrator can revoke it (delete the row), and
    deactivating the account or signing out of the web deletes all of the user's tokens."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    digest = models.CharField(max_length=64, unique=True, editable=False)
    prefix = models.CharField(
        max_length=8, editable=False, help_text="The key's first characters, to recognise it."
    )
    name = models.CharField(max_length=100, blank=True, help_text="What the token is for.")
    created = models.DateTimeField(editable=False)
    expires = models.DateTimeField(editable=False, db_index=True)
    last_used = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-created", "-pk"]
        verbose_name = "API token"

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.user})"


class CaseOpening(models.Model):
    """One opening of a case-level record (an audit form, a case in an audit's sample, a
    professional difference about a child): who, when, which record, which agency's case.
    Written by ``agencies.casework.log_opening``; read by the partnership manager."""

    opened_at = models.DateTimeField(auto_now_add=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="case_openings"
    )
    agency = models.ForeignKey(
        Agency, on_delete=models.PROTECT, related_name="case_openings", null=True, blank=True
    )
    case_reference = models.CharField(max_length=60, db_index=True)
    record_type = models.CharField(max_length=100)
    record_id = models.PositiveBigIntegerField()
    record_label = models.CharField(max_length=200)
    path = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-pk"]
        permissions = [("view_case_openings", "Read the log of openings of case-level records")]
        indexes = [
            models.Index(fields=["agency", "-id"], name="caseopening_agency"),
            models.Index(fields=["case_reference", "-id"], name="caseopening_case"),
        ]

    def __str__(self) -> str:
        return f"{self.user} opened {self.record_label} ({self.case_reference})"
