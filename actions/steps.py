"""An action's steps, declared once (``core.steps``): the action page's "What you can do
next", the page POST (``/actions/<id>/steps/<name>/``), the API endpoints
(``/api/v1/actions/<id>/<api_path>/``) and the list of steps available to someone all
come from :data:`ACTION_STEPS`.

Who may take each step is ``actions.permissions`` (the same rules the model's
transitions hold, which the services check again through ``run_transition``); the
states that allow it are the model's."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from rest_framework import serializers

from actions import forms, selectors, services
from actions.models import (
    DELIVERY_STATES,
    OPEN_STATES,
    ActionState,
    EvidenceItem,
    ExtensionRequest,
    ImpactMethod,
    Verdict,
)
from actions.permissions import (
    may_add_evidence,
    may_ask_extension,
    may_cancel,
    may_decide_extension,
    may_review_evidence,
    may_run_learning_check,
    may_sign_off,
    may_update,
)
from core.dates import ApiDateField
from core.steps import Step, StepSet
from core.submissions import ALREADY_SUBMITTED, ALREADY_TAKEN

S = ActionState


# -- what the API reads (the pages read the forms in actions.forms) ---------------------
class NoteSerializer(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, default="")


class ReasonSerializer(serializers.Serializer):
    reason = serializers.CharField()


class ProgressSerializer(serializers.Serializer):
    text = serializers.CharField()


class EvidenceUploadSerializer(serializers.Serializer):
    description = serializers.CharField()
    file = serializers.FileField(required=False, allow_null=True)


class LearningCheckInputSerializer(serializers.Serializer):
    method = serializers.ChoiceField(choices=ImpactMethod.choices)
    evidence = serializers.CharField()
    verdict = serializers.ChoiceField(choices=Verdict.choices)
    cites = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        max_length=120,
        help_text='Impact evidence from another record (actions.impact): "audits.audit:12".',
    )


class EvidenceSerializer(serializers.ModelSerializer):
    """A piece of evidence (what adding evidence answers, and the evidence list)."""

    by: serializers.SlugRelatedField = serializers.SlugRelatedField(
        slug_field="username", read_only=True
    )
    download_url = serializers.SerializerMethodField()

    class Meta:
        model = EvidenceItem
        fields = [
            "id",
            "description",
            "original_name",
            "file_type",
            "size",
            "by",
            "at",
            "download_url",
        ]

    def get_download_url(self, item: EvidenceItem) -> str | None:
        return item.get_download_url() if item.file else None


def _unless_cancelled(message: str) -> Callable[[Any], str]:
    """A refusal that says so when the action is cancelled (nothing more can be added)."""
    return lambda action: services.CANCELLED_NO_CHANGES if action.state == S.CANCELLED else message


class ExtensionAskSerializer(serializers.Serializer):
    new_target_date = ApiDateField(name="The new target date")
    reason = serializers.CharField()


class ExtensionDecideSerializer(serializers.Serializer):
    decision = serializers.ChoiceField(choices=services.ExtensionChoice.choices)
    reason = serializers.CharField()


class ExtensionSerializer(serializers.ModelSerializer):
    """An extension request (what asking for one and deciding on it answer)."""

    asked_by: serializers.SlugRelatedField = serializers.SlugRelatedField(
        slug_field="username", read_only=True
    )
    decided_by: serializers.SlugRelatedField = serializers.SlugRelatedField(
        slug_field="username", read_only=True
    )

    class Meta:
        model = ExtensionRequest
        fields = [
            "id",
            "action",
            "asked_by",
            "asked_at",
            "new_target_date",
            "reason",
            "decision",
            "decided_by",
            "decided_at",
            "decision_reason",
        ]


def _may_ask_now(action: Any) -> bool:
    # while the target date decides the RAG, and one request at a time
    return action.state in DELIVERY_STATES and action.pending_extension() is None


def _extension_refused(action: Any) -> str:
    if action.state not in DELIVERY_STATES:
        return services.EXTENSION_NOT_NOW
    return services.EXTENSION_PENDING


def _add_evidence(*, action: Any, by: Any, description: str, file: Any = None) -> Any:
    # The page's file input sends False when its "clear" box is ticked: that is no file.
    return services.action_add_evidence(
        action=action, by=by, description=description, file=file or None
    )


ACTION_STEPS = StepSet(
    steps=[
        Step(
            name="start",
            label="Start work",
            button="Start work",
            service=services.action_start_work,
            form=forms.NoteForm,
            serializer=NoteSerializer,
            permitted=may_update,
            forbidden=services.NOT_PERMITTED_UPDATE,
            refused=_unless_cancelled(services.NOT_STARTABLE),
            states=[S.ASSIGNED, S.RETURNED, S.NOT_EMBEDDED],
            success="Work on the action has started.",
            done=f"{ALREADY_TAKEN}: you started work on {{record}}",
            optional=True,
        ),
        Step(
            name="progress",
            label="Save progress update",
            button="Save progress update",
            service=services.action_report_progress,
            form=forms.ProgressForm,
            serializer=ProgressSerializer,
            permitted=may_update,
            forbidden=services.NOT_PERMITTED_UPDATE,
            refused=_unless_cancelled(services.NOT_IN_PROGRESS),
            states=[S.IN_PROGRESS, S.RETURNED],  # returned: at once, no "Start work"
            success="Progress update saved.",
            done=f"{ALREADY_SUBMITTED}: your progress update on {{record}} was saved",
            style="secondary",
        ),
        Step(
            name="evidence",
            label="Add evidence",
            button="Add evidence",
            service=_add_evidence,
            form=forms.EvidenceForm,
            serializer=EvidenceUploadSerializer,
            permitted=may_add_evidence,
            forbidden=services.NOT_PERMITTED_UPDATE,
            refused=_unless_cancelled(services.NOT_IN_PROGRESS),
            states=[S.IN_PROGRESS, S.RETURNED],  # returned: at once, no "Start work"
            success="Evidence added.",
            done=f"{ALREADY_SUBMITTED}: your evidence for {{record}} was added",
            style="secondary",
            api_result=EvidenceSerializer,
            api_status=201,
        ),
        Step(
            name="submit",
            label="Submit for review",
            button="Submit for review",
            service=services.action_submit_evidence,
            form=forms.NoteForm,
            serializer=NoteSerializer,
            permitted=may_update,
            forbidden=services.NOT_PERMITTED_UPDATE,
            refused=_unless_cancelled(services.NOT_IN_PROGRESS),
            states=[S.IN_PROGRESS],
            success="Evidence submitted to the Learning and Improvement group.",
            done=f"{ALREADY_TAKEN}: you submitted the evidence for {{record}} for review",
            optional=True,
        ),
        Step(
            name="accept",
            label="Accept evidence",
            button="Accept evidence",
            service=services.action_accept_evidence,
            form=forms.NoteForm,
            serializer=NoteSerializer,
            permitted=may_review_evidence,
            forbidden=services.NOT_PERMITTED_REVIEW,
            refused=_unless_cancelled(services.NOT_SUBMITTED),
            states=[S.EVIDENCE_SUBMITTED],
            success="Evidence accepted.",
            done=f"{ALREADY_TAKEN}: you accepted the evidence for {{record}}",
            optional=True,
        ),
        Step(
            name="return",
            label="Return evidence",
            button="Return evidence",
            service=services.action_return_evidence,
            form=forms.ReturnForm,
            serializer=ReasonSerializer,
            permitted=may_review_evidence,
            forbidden=services.NOT_PERMITTED_REVIEW,
            refused=_unless_cancelled(services.NOT_SUBMITTED),
            states=[S.EVIDENCE_SUBMITTED],
            success="Evidence returned to the lead.",
            done=f"{ALREADY_TAKEN}: you returned the evidence for {{record}} to the lead",
            style="warning",
            api_name="return_evidence",
            api_path="return",
        ),
        Step(
            name="sign_off",
            label="Sign off",
            button="Sign off",
            service=services.action_sign_off,
            form=forms.NoteForm,
            serializer=NoteSerializer,
            permitted=may_sign_off,
            forbidden=services.NOT_PERMITTED_SIGN_OFF,
            refused=_unless_cancelled(services.NOT_ACCEPTED),
            states=[S.ACCEPTED],
            success="Action signed off.",
            done=f"{ALREADY_TAKEN}: you signed off {{record}}",
            optional=True,
            confirm="Signing off tells the partnership that the action is delivered. "
            "It cannot be undone.",
        ),
        Step(
            name="learning_check",
            label="Record learning check",
            button="Record learning check",
            service=services.action_record_learning_check,
            form=forms.LearningCheckForm,
            serializer=LearningCheckInputSerializer,
            permitted=may_run_learning_check,
            forbidden=services.NOT_PERMITTED_CHECK,
            refused=_unless_cancelled(services.NO_CHECK_DUE),
            states=[S.LEARNING_CHECK_DUE],
            success="Learning check recorded.",
            done=f"{ALREADY_TAKEN}: you recorded the learning check of {{record}}",
        ),
        Step(
            name="ask_extension",
            label="Ask for an extension",
            button="Ask for an extension",
            service=services.action_ask_extension,
            form=forms.ExtensionAskForm,
            serializer=ExtensionAskSerializer,
            permitted=may_ask_extension,
            forbidden=services.NOT_PERMITTED_ASK_EXTENSION,
            refused=_extension_refused,
            available=_may_ask_now,
            success="Extension asked for: the partnership manager will decide.",
            done=f"{ALREADY_SUBMITTED}: you asked for an extension of {{record}}",
            style="secondary",
            api_result=ExtensionSerializer,
            api_status=201,
        ),
        Step(
            name="decide_extension",
            label="Decide on the extension",
            button="Record decision",
            service=services.action_decide_extension,
            form=forms.ExtensionDecideForm,
            serializer=ExtensionDecideSerializer,
            permitted=may_decide_extension,
            forbidden=services.NOT_PERMITTED_DECIDE_EXTENSION,
            refused=services.NO_EXTENSION_PENDING,
            available=lambda action: action.is_open and action.pending_extension() is not None,
            success="Extension decision recorded.",
            done=f"{ALREADY_TAKEN}: you decided on the extension of {{record}}",
            api_result=ExtensionSerializer,
        ),
        Step(
            name="cancel",
            label="Cancel action",
            button="Cancel action",
            service=services.action_cancel,
            form=forms.CancelForm,
            serializer=ReasonSerializer,
            permitted=may_cancel,
            forbidden=services.NOT_PERMITTED_CANCEL,
            refused=services.ALREADY_CLOSED,
            states=OPEN_STATES,
            success="Action cancelled.",
            done=f"{ALREADY_TAKEN}: you cancelled {{record}}",
            style="warning",
            confirm="Cancelling closes the action: nothing more can be done on it. "
            "It cannot be undone.",
        ),
    ],
    record_arg="action",
    get_record=lambda user, pk: selectors.action_get(user=user, pk=pk),
    url_name="actions:step",
)
