"""An audit's and a form's steps, declared once (``core.steps``): the pages' "What you
can do next", the page POSTs (``/audits/<id>/steps/<name>/``,
``/audits/forms/<id>/steps/<name>/``) and the API endpoints.

Saving a form's answers and submitting it have pages of their own (a section at a
time; the check of required answers linked to each question): the ``submit`` step
serves the API, and the page's "Check and submit" posts to the same service."""

from __future__ import annotations

from rest_framework import serializers

from audits import forms, selectors, services
from audits.models import AuditState, FormState
from audits.permissions import may_complete, may_manage, may_moderate
from core.steps import Step, StepSet
from core.submissions import ALREADY_TAKEN

A = AuditState
F = FormState


class AuditNoteSerializer(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, default="")


class AuditGapsSerializer(serializers.Serializer):
    gaps_reason = serializers.CharField(required=False, allow_blank=True, default="")


class AuditReasonSerializer(serializers.Serializer):
    reason = serializers.CharField()


AUDIT_STEPS = StepSet(
    steps=[
        Step(
            name="start_sampling",
            label="Start sampling",
            button="Start sampling",
            service=services.audit_start_sampling,
            form=forms.NoteForm,
            serializer=AuditNoteSerializer,
            permitted=may_manage,
            forbidden=services.NOT_PERMITTED_MANAGE,
            refused=services.NOT_PLANNING,
            states=[A.PLANNING],
            success="The audit is sampling: add its cases.",
            done=f"{ALREADY_TAKEN}: you started sampling {{record}}",
            optional=True,
        ),
        Step(
            name="open_forms",
            label="Open the forms",
            button="Open the forms",
            service=services.audit_open_forms,
            form=forms.NoteForm,
            serializer=AuditNoteSerializer,
            permitted=may_manage,
            forbidden=services.NOT_PERMITTED_MANAGE,
            refused=services.NOT_SAMPLING,
            states=[A.SAMPLING],
            success="The forms are open: each agency's auditors have been told.",
            done=f"{ALREADY_TAKEN}: you opened the forms of {{record}}",
            optional=True,
            confirm="Opening the forms fixes the sample: one form per case and agency.",
        ),
        Step(
            name="start_moderation",
            label="Move to moderation",
            button="Move to moderation",
            service=services.audit_start_moderation,
            form=forms.GapsForm,
            serializer=AuditGapsSerializer,
            permitted=may_manage,
            forbidden=services.NOT_PERMITTED_MANAGE,
            refused=services.NOT_IN_PROGRESS,
            states=[A.IN_PROGRESS],
            success="The audit is in moderation.",
            done=f"{ALREADY_TAKEN}: you moved {{record}} to moderation",
            style="secondary",
        ),
        Step(
            name="sign_off",
            label="Sign off the findings",
            button="Sign off the findings",
            service=services.audit_sign_off,
            form=forms.NoteForm,
            serializer=AuditNoteSerializer,
            permitted=may_manage,
            forbidden=services.NOT_PERMITTED_MANAGE,
            refused=services.NOT_DRAFTED,
            states=[A.FINDINGS_DRAFTED],
            success="Findings signed off: each recommendation is now an action of its agency.",
            done=f"{ALREADY_TAKEN}: you signed off {{record}}",
            optional=True,
            confirm="Signing off publishes the findings and makes each recommendation an "
            "action of its agency. It cannot be undone.",
        ),
        Step(
            name="close",
            label="Close the audit",
            button="Close the audit",
            service=services.audit_close,
            form=forms.NoteForm,
            serializer=AuditNoteSerializer,
            permitted=may_manage,
            forbidden=services.NOT_PERMITTED_MANAGE,
            refused=services.NOT_SIGNED_OFF,
            states=[A.SIGNED_OFF],
            success="Audit closed.",
            done=f"{ALREADY_TAKEN}: you closed {{record}}",
            optional=True,
            style="secondary",
        ),
    ],
    record_arg="audit",
    get_record=lambda user, pk: selectors.audit_get(user=user, pk=pk),
    url_name="audits:step",
)


FORM_STEPS = StepSet(
    steps=[
        Step(
            name="submit",
            label="Submit the form",
            button="Submit the form",
            service=services.form_submit,
            form=forms.NoteForm,
            serializer=AuditNoteSerializer,
            permitted=may_complete,
            forbidden=services.NOT_PERMITTED_COMPLETE,
            refused=services.FORM_NOT_IN_PROGRESS,
            states=[F.IN_PROGRESS],
            success="Form submitted to the moderator.",
            done=f"{ALREADY_TAKEN}: you submitted {{record}}",
            optional=True,
        ),
        Step(
            name="accept",
            label="Accept the form",
            button="Accept the form",
            service=services.form_accept,
            form=forms.NoteForm,
            serializer=AuditNoteSerializer,
            permitted=may_moderate,
            forbidden=services.NOT_PERMITTED_MANAGE,
            refused=services.FORM_NOT_SUBMITTED,
            states=[F.SUBMITTED],
            success="Form accepted.",
            done=f"{ALREADY_TAKEN}: you accepted {{record}}",
            optional=True,
        ),
        Step(
            name="return",
            label="Return the form",
            button="Return the form",
            service=services.form_return,
            form=forms.ReturnForm,
            serializer=AuditReasonSerializer,
            permitted=may_moderate,
            forbidden=services.NOT_PERMITTED_MANAGE,
            refused=services.FORM_NOT_SUBMITTED,
            states=[F.SUBMITTED],
            success="Form returned to the auditor.",
            done=f"{ALREADY_TAKEN}: you returned {{record}}",
            style="warning",
            api_name="return_form",
            api_path="return",
        ),
    ],
    record_arg="form",
    get_record=lambda user, pk: selectors.form_get(user=user, pk=pk),
    url_name="audits:form-step",
)
