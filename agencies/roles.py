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
        "respond_challenge_manager",  # stage 2 of a challenge (challenge_log)
        "manage_agency_tasks",
    },
    Role.DESIGNATED_LEAD: {
        "view_agency_records",
        "raise_challenge",
        "respond_to_challenge",
        "manage_agency_tasks",
        "receive_reminders",
        "download_evidence",
        "respond_challenge_manager",  # stages 2 and 3 of a challenge (challenge_log)
        "respond_challenge_senior",
        # may lead and sign off the agency's actions (a school has only its DSL)
        "update_action",
        "sign_off_action",
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
        "respond_challenge_manager",  # stages 2 and 3 of a challenge (challenge_log)
        "respond_challenge_senior",
    },
    Role.AUDITOR: {"view_agency_records", "complete_audit_form"},
}

ALL_AGENCY_PERMISSIONS = sorted(set().union(*AGENCY_ROLE_PERMISSIONS.values()))


def roles_holding(codename: str) -> list[str]:
    """The names of the per-agency roles that hold ``codename``, alphabetically, for
    messages that tell people who may do something ("Agency lead", "Designated
    safeguarding lead" for ``update_action``): the rule is the permission, the roles
    are how an administrator gives it."""
    return sorted(
        str(Role(role).label)
        for role, perms in AGENCY_ROLE_PERMISSIONS.items()
        if codename in perms
    )


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
        "challenge_log.decide_challenge",  # the last stage of a challenge
        "challenge_log.view_all_challenges",
        "challenge_log.raise_strategic_challenge",
    },
    PartnershipRole.PARTNERSHIP_MANAGER: {
        "agencies.view_agency_records",
        "agencies.download_evidence",
        "agencies.manage_agency_tasks",
        "actions.cancel_action",
        "actions.manage_plan",
        "scr.manage_review",
        "agencies.view_case_openings",
        "audits.manage_audit",
        "challenge_log.view_all_challenges",
        "challenge_log.raise_strategic_challenge",
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
        "audits.manage_audit",
    },
    PartnershipRole.BOARD_MEMBER: {"agencies.view_agency_records"},
}
