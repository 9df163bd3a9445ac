"""Who may do what in an audit, written once, through ``agencies.selectors``.

* The audit lead and the partnership team (``audits.manage_audit``: the partnership
  manager and the QA analyst) plan, sample, moderate and sign off.
* An agency's auditors (``complete_audit_form`` on the agency) complete its forms.
* Whoever may see an agency's records (``view_agency_records``) may read its forms; the
  partnership roles hold that on every agency."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from agencies.selectors import user_can

if TYPE_CHECKING:
    from audits.models import Audit, AuditForm

MANAGE = "audits.manage_audit"


def may_manage(audit: Audit | None, user: Any) -> bool:
    return bool(user is not None and user.is_authenticated and user.has_perm(MANAGE))


def may_complete(form: AuditForm, user: Any) -> bool:
    """Save answers and submit: an auditor of the form's agency."""
    return user_can(user, "complete_audit_form", form.agency_id)


def may_moderate(form: AuditForm, user: Any) -> bool:
    """Accept or return a submitted form: the audit lead and the partnership team."""
    return may_manage(None, user)
