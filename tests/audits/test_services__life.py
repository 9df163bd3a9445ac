"""An audit's whole life through its services: planned, sampled, forms completed,
returned and resubmitted, accepted (the audit moves to moderation by itself), findings
drafted, signed off (each recommendation an action of its agency), closed."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django_fsm_log.models import StateLog

from actions.models import Action
from audits import findings, services
from audits.models import AuditState as A
from audits.models import FormState as F
from core.transitions import TransitionForbidden, TransitionRefused
from tests.factories import in_days
from tests.factories.audits import fill, form_of, make_audit, submitted
from workflows.base import open_tasks

pytestmark = pytest.mark.django_db


def test_the_whole_life(qa, agency_a, agency_b, amy, bea, alice):
    audit = make_audit(lead=qa, agencies=[agency_a, agency_b], references=["LCS-1", "LCS-2"])
    assert audit.state == A.IN_PROGRESS
    assert audit.forms.count() == 4  # two cases by two agencies
    form = form_of(audit, agency_a, "LCS-1")
    assert form.state == F.ASSIGNED
    task = open_tasks(form).get()
    assert task.flow_task.name == "complete"

    submitted(form, by=amy, grade_code="outstanding")
    form.refresh_from_db()
    assert form.state == F.SUBMITTED and form.assignee == amy
    assert open_tasks(form).get().flow_task.name == "moderate"

    services.form_return(form=form, by=qa, reason="Say what the child said")
    form.refresh_from_db()
    assert form.state == F.RETURNED and form.returned_reason == "Say what the child said"
    returned_task = open_tasks(form).get()
    assert returned_task.flow_task.name == "complete" and returned_task.owner == amy

    fill(form, by=amy, grade_code="outstanding")
    form.refresh_from_db()
    assert form.state == F.IN_PROGRESS
    services.form_submit(form=form, by=amy)
    services.form_accept(form=form, by=qa)

    for reference, agency, auditor, code in [
        ("LCS-2", agency_a, amy, "good"),
        ("LCS-1", agency_b, bea, "inadequate"),
        ("LCS-2", agency_b, bea, "good"),
    ]:
        other = form_of(audit, agency, reference)
        submitted(other, by=auditor, grade_code=code)
        other.refresh_from_db()
        services.form_accept(form=other, by=qa)
    audit.refresh_from_db()
    assert audit.state == A.MODERATION  # the last acceptance moved it

    result = findings.compute(audit)
    assert (result.overall.good, result.overall.total) == (1, 2)  # LCS-1: police inadequate
    assert result.overall.percent == 50 and result.overall.meets_target is False
    by_agency = {s.label: (s.good, s.total) for s in result.by_agency}
    assert by_agency == {agency_a.name: (2, 2), agency_b.name: (1, 2)}
    assert {(d.case_reference, d.steps) for d in result.disagreements} == {("LCS-1", 3)}

    services.audit_draft_findings(
        audit=audit, by=qa, strengths="Voice of the child", areas_to_develop="Police sharing"
    )
    rec = services.recommendation_add(
        audit=audit,
        by=qa,
        text="Train staff on the neglect toolkit",
        agency=agency_a,
        lead=alice,
        target_date=in_days(90),
    )
    services.audit_sign_off(audit=audit, by=qa)
    action = Action.objects.get()
    assert action.source == rec and action.agency == agency_a and action.lead == alice
    assert open_tasks(action).exists()  # the action follows its own workflow
    services.audit_close(audit=audit, by=qa)
    audit.refresh_from_db()
    assert audit.state == A.CLOSED
    assert StateLog.objects.for_(audit).count() == 6


def test_moderation_with_gaps_needs_a_reason(qa, agency_a, amy):
    audit = make_audit(lead=qa, agencies=[agency_a])
    with pytest.raises(ValidationError) as caught:
        services.audit_start_moderation(audit=audit, by=qa)
    assert services.GAPS_NEED_REASON in str(caught.value)
    services.audit_start_moderation(audit=audit, by=qa, gaps_reason="One case closed early")
    audit.refresh_from_db()
    assert audit.state == A.MODERATION and audit.gaps_reason == "One case closed early"


def test_submit_lists_the_missing_required_answers(qa, agency_a, amy):
    audit = make_audit(lead=qa, agencies=[agency_a])
    form = form_of(audit, agency_a)
    services.form_save_answers(form=form, by=amy, values={})
    form.refresh_from_db()
    with pytest.raises(ValidationError) as caught:
        services.form_submit(form=form, by=amy)
    assert services.MISSING_ANSWERS in caught.value.messages
    form.refresh_from_db()
    assert form.state == F.IN_PROGRESS


def test_only_the_agencys_auditor_completes_and_only_the_lead_moderates(
    qa, agency_a, agency_b, amy, bea, alice
):
    audit = make_audit(lead=qa, agencies=[agency_a, agency_b])
    form = form_of(audit, agency_a)
    with pytest.raises(TransitionForbidden):
        services.form_save_answers(form=form, by=bea, values={})
    submitted(form, by=amy)
    form.refresh_from_db()
    with pytest.raises(TransitionForbidden):
        services.form_accept(form=form, by=alice)
    services.form_accept(form=form, by=qa)
    form.refresh_from_db()
    with pytest.raises(TransitionRefused):
        services.form_accept(form=form, by=qa)
    with pytest.raises(TransitionRefused):
        services.form_save_answers(form=form, by=amy, values={})


def test_a_random_sample_is_reproducible(qa, agency_a):
    from audits import sampling

    audit = make_audit(lead=qa, agencies=[agency_a], state=A.SAMPLING)
    population = [f"LCS-{n:04d}" for n in range(100)]
    services.audit_sample_randomly(audit=audit, by=qa, population=population, size=10, seed=42)
    audit.refresh_from_db()
    drawn = sorted(audit.cases.values_list("reference", flat=True))
    assert len(drawn) == 10 and audit.random_seed == 42
    assert sampling.redraw(audit) == drawn
    services.audit_sample_randomly(audit=audit, by=qa, population=population, size=10, seed=42)
    assert sorted(audit.cases.values_list("reference", flat=True)) == drawn
    with pytest.raises(ValidationError):
        services.audit_sample_randomly(audit=audit, by=qa, population=population, size=101)
    with pytest.raises(ValidationError):  # a name is not a case reference
        services.audit_sample_by_hand(audit=audit, by=qa, references=["Jane Smith"])
