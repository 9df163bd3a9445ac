"""What each role may do. The one table both the grants and the README follow."""

from __future__ import annotations

from agencies.models import Role

# Per-agency roles: permissions granted on the Agency the membership is for.
AGENCY_ROLE_PERMISSIONS: dict[str, set[str]] = {
    Role.PRACTITIONER: {"view_agency_records", "raise_challenge", "respond_to_challenge"},
    Role.MANAGER: {
        "view_agency_records",
        "raise_challenge",
        "respond_to_challenge",
        "manage_agency_tasks",
    },
    Role.DESIGNATED_LEAD: {
        "view_agency_records",
        "raise_challenge",
        "respond_to_challenge",
        "manage_agency_tasks",
        "receive_reminders",
        "download_evidence",
    },
    Role.AGENCY_LEAD: {
        "view_agency_records",
        "update_action",
        "sign_off_action",
        "download_evidence",
        "manage_agency_tasks",
        "receive_reminders",
        "raise_challenge",
        "respond_to_challenge",
    },
    Role.AUDITOR: {"view_agency_records", "complete_audit_form"},
}

ALL_AGENCY_PERMISSIONS = sorted(set().union(*AGENCY_ROLE_PERMISSIONS.values()))


class PartnershipRole:
    """Partnership-wide roles are Django groups holding model-level permissions.
    A model-level ``agencies.*`` permission means "on every agency"."""

    CHAIR = "Chair"
    PARTNERSHIP_MANAGER = "Partnership manager"
    LEARNING_AND_IMPROVEMENT = "Learning and Improvement group"
    QA_ANALYST = "QA analyst"
    BOARD_MEMBER = "Board member"


PARTNERSHIP_ROLE_PERMISSIONS: dict[str, set[str]] = {
    PartnershipRole.CHAIR: {
        "agencies.view_agency_records",
        "agencies.download_evidence",
    },
    PartnershipRole.PARTNERSHIP_MANAGER: {
        "agencies.view_agency_records",
        "agencies.download_evidence",
        "agencies.manage_agency_tasks",
        "actions.cancel_action",
        "actions.manage_plan",
        "scr.manage_review",
    },
    PartnershipRole.LEARNING_AND_IMPROVEMENT: {
        "agencies.view_agency_records",
        "agencies.download_evidence",
        "actions.review_evidence",
        "actions.run_learning_check",
    },
    PartnershipRole.QA_ANALYST: {
        "agencies.view_agency_records",
        "agencies.download_evidence",
    },
    PartnershipRole.BOARD_MEMBER: {"agencies.view_agency_records"},
}
