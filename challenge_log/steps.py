"""A challenge's steps, declared once (``core.steps``): the challenge page's "What you can
do next", the page POST (``/challenges/<id>/steps/<name>/``) and the API endpoints
(``/api/v1/challenges/<id>/<api_path>/``) all come from :data:`CHALLENGE_STEPS`.

Who may take each step is ``challenge_log.permissions`` (the rules the model's
transitions hold, which the services check again through ``run_transition``)."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from challenge_log import forms, selectors, services
from challenge_log.models import Challenge, ChallengeState
from challenge_log.permissions import may_act_for_raiser, may_decide, may_respond
from core.steps import Step, StepSet
from core.submissions import ALREADY_SUBMITTED, ALREADY_TAKEN

S = ChallengeState


class RespondSerializer(serializers.Serializer):
    text = serializers.CharField()


class ResolveSerializer(serializers.Serializer):
    outcome_for_child = serializers.CharField()
    vignette = serializers.CharField()
    learning = serializers.CharField(required=False, allow_blank=True, default="")
    checked_identifying_details = serializers.BooleanField(required=False, default=False)


class DecideSerializer(ResolveSerializer):
    decision = serializers.CharField()


class ChallengeReasonSerializer(serializers.Serializer):
    reason = serializers.CharField()


def _closed_or(message: str) -> Any:
    return lambda challenge: message if challenge.is_open else services.CLOSED


def _escalate_refused(challenge: Challenge) -> str:
    if not challenge.is_open:
        return services.CLOSED
    if challenge.stage is not None and challenge.stage.is_chair:
        return services.PAST_THE_CHAIR
    return services.NOT_RESPONDED


def _at_chair(challenge: Challenge) -> bool:
    stage = challenge.stage
    return challenge.state == S.AWAITING_RESPONSE and stage is not None and stage.is_chair


def _may_respond_here(challenge: Challenge, user: Any) -> bool:
    return may_respond(challenge, user)


def _get(user: Any, pk: int) -> Challenge:
    return selectors.challenge_get(user=user, pk=pk)


CHALLENGE_STEPS = StepSet(
    steps=[
        Step(
            name="respond",
            label="Respond to the challenge",
            button="Send response",
            service=services.challenge_respond,
            form=forms.RespondForm,
            serializer=RespondSerializer,
            permitted=_may_respond_here,
            forbidden=services.NOT_YOUR_TURN,
            refused=_closed_or(services.NOT_AWAITING),
            states=[S.AWAITING_RESPONSE],
            success="Your response has been sent to the raiser.",
            done=f"{ALREADY_SUBMITTED}: your response to {{record}} was sent",
        ),
        Step(
            name="resolve",
            label="Accept the response: resolved",
            button="Accept and resolve",
            service=services.challenge_resolve,
            form=forms.ResolveForm,
            serializer=ResolveSerializer,
            permitted=may_act_for_raiser,
            forbidden=services.NOT_RAISER,
            refused=_closed_or(services.NOT_RESPONDED),
            states=[S.RESPONDED],
            success="The challenge is resolved. Both agencies have been told.",
            done=f"{ALREADY_TAKEN}: you resolved {{record}}",
        ),
        Step(
            name="escalate",
            label="Not resolved: escalate to the next stage",
            button="Escalate",
            service=services.challenge_escalate,
            form=forms.ReasonForm,
            serializer=ChallengeReasonSerializer,
            permitted=may_act_for_raiser,
            forbidden=services.NOT_RAISER,
            refused=_escalate_refused,
            available=lambda c: c.state == S.RESPONDED and not (c.stage and c.stage.is_chair),
            success="The challenge has been escalated to the next stage.",
            done=f"{ALREADY_TAKEN}: you escalated {{record}}",
            style="secondary",
        ),
        Step(
            name="decide",
            label="Record the Chair's decision",
            button="Record decision",
            service=services.challenge_decide,
            form=forms.DecideForm,
            serializer=DecideSerializer,
            permitted=may_decide,
            forbidden=services.NOT_CHAIR,
            refused=_closed_or(services.NOT_AT_CHAIR),
            available=_at_chair,
            success="Your decision is recorded. Both agencies have been told.",
            done=f"{ALREADY_TAKEN}: you decided {{record}}",
        ),
        Step(
            name="withdraw",
            label="Withdraw the challenge",
            button="Withdraw",
            service=services.challenge_withdraw,
            form=forms.ReasonForm,
            serializer=ChallengeReasonSerializer,
            permitted=may_act_for_raiser,
            forbidden=services.NOT_RAISER,
            refused=services.CLOSED,
            available=lambda c: c.is_open,
            success="The challenge has been withdrawn.",
            done=f"{ALREADY_TAKEN}: you withdrew {{record}}",
            style="warning",
            confirm="Withdrawing closes the challenge: it cannot be reopened.",
        ),
    ],
    record_arg="challenge",
    get_record=_get,
    url_name="challenges:step",
)
