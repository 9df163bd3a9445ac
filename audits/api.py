"""The audits API: audits and forms the caller may see (a form of an agency they may not
see is a 404, as on the pages), each step a POST (``core.steps``), and a form's answers
read and saved by question (``GET``/``POST /api/v1/audit-forms/<id>/answers/``), and a
form given to a named auditor of its agency (``POST /api/v1/audit-forms/<id>/assign/``,
as the page ``/audits/forms/<id>/assign/``)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, viewsets
from rest_framework.decorators import action as api_action
from rest_framework.exceptions import ValidationError as ApiValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from agencies.casework import log_opening
from audits import formengine, selectors, services
from audits.models import Audit, AuditForm
from audits.permissions import may_complete, may_manage
from audits.steps import AUDIT_STEPS, FORM_STEPS
from core.api import ID_PATTERN
from core.openapi import CONFLICT
from core.steps import StepViewSetMixin
from core.transitions import TransitionForbidden


def _pk(kwargs: dict[str, Any]) -> int:
    pk = str(kwargs["pk"])
    if not pk.isascii() or not pk.isdigit() or len(pk) > 19:
        raise Http404
    return int(pk)


class AuditSerializer(serializers.ModelSerializer):
    lead: serializers.SlugRelatedField = serializers.SlugRelatedField(
        slug_field="username", read_only=True
    )
    template = serializers.CharField(source="template_version", read_only=True)

    class Meta:
        model = Audit
        fields = [
            "id",
            "title",
            "theme",
            "template_version",
            "template",
            "period_start",
            "period_end",
            "lead",
            "agencies",
            "target_percent",
            "forms_due_on",
            "sampling_criteria",
            "sample_size",
            "random_seed",
            "state",
            "signed_off_at",
        ]
        read_only_fields = fields


class AuditFormSerializer(serializers.ModelSerializer):
    case_reference = serializers.CharField(source="case.reference", read_only=True)
    assignee: serializers.SlugRelatedField = serializers.SlugRelatedField(
        slug_field="username", read_only=True, allow_null=True
    )

    class Meta:
        model = AuditForm
        fields = [
            "id",
            "audit",
            "case_reference",
            "agency",
            "assignee",
            "state",
            "returned_reason",
            "submitted_at",
            "due_on",
        ]
        read_only_fields = fields


class AnswerSerializer(serializers.Serializer):
    question = serializers.IntegerField()
    value = serializers.CharField(allow_blank=True, allow_null=True)


class AnswersSerializer(serializers.Serializer):
    answers = AnswerSerializer(many=True)


class AssignSerializer(serializers.Serializer):
    """The auditor who completes the form, by user id: one of the form's agency's
    auditors; anyone else (or no such user) is refused with the same message."""

    assignee = serializers.PrimaryKeyRelatedField(
        queryset=get_user_model().objects.all(),
        help_text="The user id of an auditor of the form's agency.",
        error_messages={
            "required": services.ASSIGNEE_REQUIRED,
            "null": services.ASSIGNEE_REQUIRED,
            "does_not_exist": services.NOT_AN_AUDITOR_OF_AGENCY,
            "incorrect_type": services.NOT_AN_AUDITOR_OF_AGENCY,
        },
    )


class AuditViewSet(StepViewSetMixin, viewsets.ReadOnlyModelViewSet):
    """Audits the caller may see (the partnership team: all; an agency's people: those
    their agency takes part in)."""

    serializer_class = AuditSerializer
    lookup_value_regex = ID_PATTERN
    queryset = Audit.objects.none()
    steps = AUDIT_STEPS

    def get_queryset(self) -> Any:
        return selectors.audit_list(user=self.request.user).prefetch_related("agencies")

    def get_object(self) -> Audit:
        return selectors.audit_get(user=self.request.user, pk=_pk(self.kwargs))


class AuditFormViewSet(StepViewSetMixin, viewsets.ReadOnlyModelViewSet):
    """Audit forms of the agencies the caller may see; ``?mine=1``: the forms of the
    agencies they audit for."""

    serializer_class = AuditFormSerializer
    lookup_value_regex = ID_PATTERN
    queryset = AuditForm.objects.none()
    steps = FORM_STEPS

    def get_queryset(self) -> Any:
        if self.request.query_params.get("mine") == "1":
            return selectors.my_forms(user=self.request.user)
        return selectors.form_list(user=self.request.user).order_by("audit_id", "pk")

    def get_object(self) -> AuditForm:
        form = selectors.form_get(user=self.request.user, pk=_pk(self.kwargs))
        if self.request.method == "GET":  # a case-level record read: logged
            log_opening(
                user=self.request.user,
                record=form,
                agency=form.agency_id,
                case_reference=form.case.reference,
                path=self.request.path,
            )
        return form

    @extend_schema(responses={200: AnswersSerializer})
    @api_action(detail=True, methods=["get"], url_path="answers")
    def answers(self, request: Request, pk: str | None = None) -> Response:
        """The form's answers, by question (the questions shown to its agency)."""
        form = self.get_object()
        return Response({"answers": _answers(form)})

    @extend_schema(request=AnswersSerializer, responses={200: AnswersSerializer, **CONFLICT})
    @answers.mapping.post
    def save_answers(self, request: Request, pk: str | None = None) -> Response:
        """Save answers (a grade by its id; yes/no/na; a number; a date as YYYY-MM-DD; a
        choice; text; null clears one). A bad answer is a 400 naming its question, and
        nothing is saved."""
        form = self.get_object()
        if not may_complete(form, request.user):
            raise TransitionForbidden(services.NOT_PERMITTED_COMPLETE)
        body = AnswersSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        version = formengine.load_version(form.audit.template_version_id)
        questions = {q.pk: q for q in formengine.visible_questions(version, form.agency.kind)}
        grades = formengine.Grades.of(version.scale)
        values: dict[Any, Any] = {}
        errors: dict[str, list[str]] = {}
        for item in body.validated_data["answers"]:
            question = questions.get(item["question"])
            if question is None:
                errors[str(item["question"])] = ["This form has no such question"]
                continue
            try:
                values[question] = formengine.clean_value(question, item["value"], grades)
            except ValidationError as exc:
                errors[str(question.pk)] = exc.messages
        if errors:
            raise ApiValidationError({"answers": errors})
        services.form_save_answers(form=form, by=request.user, values=values)
        form.refresh_from_db()
        return Response({"answers": _answers(form)})

    @extend_schema(
        request=AssignSerializer,
        responses={200: AuditFormSerializer, **CONFLICT},
        summary="Give the form to an auditor",
    )
    @api_action(detail=True, methods=["post"], url_path="assign")
    def assign(self, request: Request, pk: str | None = None) -> Response:
        """Give the form to a named auditor of its agency (the audit lead or the
        partnership team): its task goes to them and they are told. Someone of another
        agency, not an auditor or who has left is a 400 on ``assignee``; a form
        submitted, or of an audit whose forms are not open, a 409."""
        form = self.get_object()
        if not may_manage(form.audit, request.user):
            raise TransitionForbidden(services.NOT_PERMITTED_MANAGE)
        body = AssignSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        services.form_assign(form=form, by=request.user, assignee=body.validated_data["assignee"])
        form.refresh_from_db()
        return Response(self.get_serializer(form).data)


def _answers(form: AuditForm) -> list[dict[str, Any]]:
    version = formengine.load_version(form.audit.template_version_id)
    answers = services.answers_of(form)
    out = []
    for q in formengine.visible_questions(version, form.agency.kind):
        value = formengine.stored(answers.get(q.pk))
        if q.answer_type == "grade" and value is not None:
            value = str(value.pk)  # the grade's id, as the answer is sent
        elif value is not None:
            value = str(value)
        out.append({"question": q.pk, "text": q.text, "type": q.answer_type, "value": value})
    return out
