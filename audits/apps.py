from __future__ import annotations

from typing import Any

from django.apps import AppConfig


class AuditsConfig(AppConfig):
    name = "audits"
    verbose_name = "Themed multi-agency case audits"

    def ready(self) -> None:
        from core.demo import register_demo
        from core.sweeps import DAILY, register_sweep

        register_demo("audits", "audits.demo.load", order=320)
        register_sweep("audits.form_reminders", _form_reminders, cadence=DAILY)
        register_recommendations_as_action_sources()
        register_findings_as_impact_evidence()
        try:
            from core.overview import register_overview_section
        except ImportError:  # the overview is being built alongside
            return
        from audits import overview

        register_overview_section("audits", title="Themed audits", order=30, build=overview.build)


def _form_reminders(today: Any) -> int:
    from audits.reminders import remind

    return remind(today)


def register_recommendations_as_action_sources() -> None:
    """How an audit's recommendation appears as an action's source (``actions.sources``):
    sign-off makes each one an action of its agency."""
    from actions.sources import Parent, register_source
    from audits import selectors
    from audits.models import Audit, AuditRecommendation
    from audits.permissions import may_manage

    def visible(user: Any) -> Any:
        return AuditRecommendation.objects.filter(audit__in=selectors.audit_list(user=user))

    register_source(
        AuditRecommendation,
        kind="Audit recommendation",
        label=str,
        url=lambda r: r.get_absolute_url(),
        text=lambda r: r.text,
        visible_to=visible,
        may_create_actions=lambda user, r: may_manage(r.audit, user),
        parent=Parent(
            model=Audit,
            param="audit",
            lookup="audit",
            visible_to=lambda user: selectors.audit_list(user=user),
            help_text="Actions on this audit's recommendations.",
        ),
        export_columns=[
            ("Audit", lambda r: r.audit.title),
            ("Audit recommendation", lambda r: r.number, None),
        ],
        related=["audit"],
        alias="audit_recommendation",
    )


def register_findings_as_impact_evidence() -> None:
    """A learning check may cite a later audit's findings as its impact evidence (the
    re-audit closes the loop): an audit signed off after the action's source audit (or,
    for an action from elsewhere, after the action was made), one the person may see."""
    from django.contrib.contenttypes.models import ContentType
    from django.db.models import Subquery
    from django.urls import reverse

    from actions.impact import register_impact_evidence
    from audits import selectors
    from audits.models import Audit, AuditRecommendation, AuditState

    def citable(user: Any, action: Any) -> Any:
        audits = selectors.audit_list(user=user).filter(
            state__in=[AuditState.SIGNED_OFF, AuditState.CLOSED], signed_off_at__isnull=False
        )
        source_type = action.source_content_type_id
        if source_type and ContentType.objects.get_for_id(source_type).model_class() is (
            AuditRecommendation
        ):
            source = Audit.objects.filter(recommendations__pk=action.source_object_id)
            audits = audits.exclude(pk__in=source.values("pk")).filter(
                signed_off_at__gt=Subquery(source.values("signed_off_at")[:1])
            )
        else:
            audits = audits.filter(signed_off_at__gt=action.created)
        return audits.order_by("-signed_off_at", "-pk")

    register_impact_evidence(
        Audit,
        kind="Audit findings",
        label=lambda audit: (
            f"{audit.title} (signed off {audit.signed_off_at:%-d %B %Y})"
            if audit.signed_off_at
            else str(audit.title)
        ),
        url=lambda audit: reverse("audits:findings", args=[audit.pk]),
        citable=citable,
        visible_to=lambda user: selectors.audit_list(user=user),
    )
