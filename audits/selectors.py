"""Who sees which audits and forms, filtered in the database.

* An audit is seen by the partnership team (``view_agency_records`` on every agency,
  or ``audits.manage_audit``) and by whoever may see the records of one of its
  participating agencies.
* A form is seen by whoever may see its agency's records, and by the audit team.
  Anyone else gets a 404."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.http import Http404

from agencies.selectors import agencies_for, visible_agencies
from audits.models import Audit, AuditForm, FormState
from audits.permissions import may_manage


def audit_list(*, user: Any) -> QuerySet[Audit]:
    audits = Audit.objects.select_related("lead", "template_version__template")
    if may_manage(None, user):
        return audits
    return audits.filter(
        pk__in=Audit.agencies.through.objects.filter(agency__in=visible_agencies(user)).values(
            "audit_id"
        )
    )


def audit_get(*, user: Any, pk: Any) -> Audit:
    audit = audit_list(user=user).filter(pk=pk).first()
    if audit is None:
        raise Http404("No such audit")
    return audit


def form_list(*, user: Any) -> QuerySet[AuditForm]:
    forms = AuditForm.objects.select_related("audit", "case", "agency", "assignee")
    if may_manage(None, user):
        return forms
    return forms.filter(agency__in=visible_agencies(user))


def form_get(*, user: Any, pk: Any) -> AuditForm:
    form = form_list(user=user).select_related("audit__template_version").filter(pk=pk).first()
    if form is None:
        raise Http404("No such form")
    return form


def my_forms(*, user: Any) -> QuerySet[AuditForm]:
    """The forms of the agencies the user audits for: the work still to do first (by due
    date), then those waiting for moderation, then the accepted (``work_order``); within
    an audit in the order its cases were sampled. A fixed number of queries whatever
    their number, the first page read along ``auditform_mine_idx``: the agency is checked
    for each form (``EXISTS``), not made the way in (``IN``), which had SQLite read every
    form of the user's agencies and sort them all."""
    mine = agencies_for(user, "complete_audit_form").filter(pk=OuterRef("agency_id"))
    return (
        AuditForm.objects.select_related("audit", "case", "agency", "assignee")
        .filter(Exists(mine))
        .order_by("work_order", "due_on", "audit_id", "case_id", "pk")
    )


def form_counts(audit: Audit, *, user: Any) -> dict[str, int]:
    """How many of the audit's forms the user may see are in each state: one query."""
    rows = (
        form_list(user=user).filter(audit=audit).values("state").annotate(n=Count("pk")).order_by()
    )
    counts = {s.value: 0 for s in FormState}
    counts.update({r["state"]: r["n"] for r in rows})
    return counts


def sees_every_agency(audit: Audit, user: Any) -> bool:
    """Whether the user may see every participating agency's forms (case-level rows of
    the findings are shown only then)."""
    if may_manage(audit, user):
        return True
    hidden = audit.agencies.exclude(pk__in=visible_agencies(user).values("pk"))
    return not hidden.exists()


def auditors_q(user: Any) -> Q:
    return Q(agency__in=agencies_for(user, "complete_audit_form"))
