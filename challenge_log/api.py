"""The challenge log's API (``/api/v1/challenges/``): the challenges the caller may see,
raising one (``POST``), and one ``POST`` endpoint per step (``challenge_log.steps``)."""

from __future__ import annotations

from typing import Any

from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.request import Request
from rest_framework.response import Response

from agencies.casework import log_opening
from agencies.models import Agency
from challenge_log import permissions, selectors, services
from challenge_log.models import Area, Challenge, ChallengeKind, ChallengeResponse, Urgency
from challenge_log.steps import CHALLENGE_STEPS
from core.api import ID_PATTERN, ScopedPrimaryKeyRelatedField
from core.steps import StepViewSetMixin
from core.transitions import TransitionForbidden


class ResponseSerializer(serializers.ModelSerializer):
    by: serializers.SlugRelatedField = serializers.SlugRelatedField(
        slug_field="username", read_only=True
    )
    stage: serializers.SlugRelatedField = serializers.SlugRelatedField(
        slug_field="number", read_only=True
    )

    class Meta:
        model = ChallengeResponse
        fields = ["id", "stage", "by", "at", "text"]
        read_only_fields = fields


class ChallengeSerializer(serializers.ModelSerializer):
    reference = serializers.CharField(read_only=True)
    raised_by: serializers.SlugRelatedField = serializers.SlugRelatedField(
        slug_field="username", read_only=True
    )
    stage = serializers.SerializerMethodField()
    responses = ResponseSerializer(many=True, read_only=True)

    class Meta:
        model = Challenge
        fields = [
            "id",
            "reference",
            "kind",
            "case_reference",
            "raised_by",
            "raised_by_agency",
            "challenged_agency",
            "area",
            "summary",
            "outcome_sought",
            "urgency",
            "raised_on",
            "state",
            "stage",
            "deadline",
            "escalations",
            "highest_stage",
            "resolved_on",
            "decision",
            "outcome_for_child",
            "vignette",
            "learning",
            "withdrawn_reason",
            "responses",
        ]
        read_only_fields = fields

    def get_stage(self, challenge: Challenge) -> int | None:
        return challenge.stage.number if challenge.stage else None


class ChallengeRaiseSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=ChallengeKind.choices)
    raised_by_agency = ScopedPrimaryKeyRelatedField(
        scope=services.raisable_agencies,
        model=Agency,
        allow_null=True,
        required=False,
        default=None,
        help_text="The agency you raise it for; null for a strategic challenge raised by "
        "a partnership role.",
    )
    challenged_agency = serializers.PrimaryKeyRelatedField(
        queryset=Agency.objects.filter(is_active=True)
    )
    area = serializers.ChoiceField(choices=Area.choices)
    summary = serializers.CharField()
    outcome_sought = serializers.CharField()
    urgency = serializers.ChoiceField(choices=Urgency.choices, default=Urgency.STANDARD)
    case_reference = serializers.CharField(required=False, allow_blank=True, default="")


class ChallengeViewSet(StepViewSetMixin, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Challenges the caller may see: raised by or against their agency (every one for
    the Chair and the partnership manager). ``POST`` raises one; each step is a POST on
    the challenge (409 when its state does not allow it, 403 when the caller may not)."""

    serializer_class = ChallengeSerializer
    lookup_value_regex = ID_PATTERN
    queryset = Challenge.objects.none()
    steps = CHALLENGE_STEPS

    def get_queryset(self) -> Any:
        return selectors.challenge_list(user=self.request.user).prefetch_related(
            "responses__by", "responses__stage"
        )

    def get_serializer_class(self) -> Any:
        return ChallengeRaiseSerializer if self.action == "create" else ChallengeSerializer

    def get_object(self) -> Challenge:
        pk = str(self.kwargs["pk"])
        if not pk.isascii() or not pk.isdigit() or len(pk) > 19:
            raise Http404
        challenge = selectors.challenge_get(user=self.request.user, pk=int(pk))
        if self.request.method == "GET" and challenge.is_case_level:
            # a case-level record read: logged, as its page's openings are
            log_opening(
                user=self.request.user,
                record=challenge,
                agency=challenge.raised_by_agency_id,
                case_reference=challenge.case_reference,
                path=self.request.path,
            )
        return challenge

    @extend_schema(request=ChallengeRaiseSerializer, responses={201: ChallengeSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        if not permissions.may_raise(request.user):
            raise TransitionForbidden(services.NOT_PERMITTED_RAISE)
        body = ChallengeRaiseSerializer(data=request.data, context={"request": request})
        body.is_valid(raise_exception=True)
        data = body.validated_data
        if data["raised_by_agency"] is None and not request.user.has_perm(
            permissions.RAISE_STRATEGIC
        ):
            raise serializers.ValidationError(
                {"raised_by_agency": ["Choose the agency you raise the challenge for."]}
            )
        challenge = services.challenge_raise(by=request.user, **data)
        challenge.refresh_from_db()
        return Response(ChallengeSerializer(challenge).data, status=status.HTTP_201_CREATED)
