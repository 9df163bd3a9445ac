"""Actions and what hangs off them, made through ``actions.services`` only, so every
record a test starts from has a real flow, open tasks, a transition log and outbox
rows, exactly as the pages and the API would have left it.

    ActionFactory(agency=agency_a, lead=alice, by=manager)           # assigned
    ActionFactory(agency=agency_a, lead=alice, state=S.SIGNED_OFF)    # walked there
    walk_to(action, S.LEARNING_CHECK_DUE, li=li)                      # from where it is
    walk_to(action, S.CANCELLED, via=[S.IN_PROGRESS])                 # by a given route

Who takes each step unless named: the action's lead (work, sign-off), ``li`` (the
Learning and Improvement group: evidence review, learning checks) and ``manager``
(the partnership manager: cancelling), the same personas as tests/conftest.py.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable
from typing import Any

import factory
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from actions import services
from actions.models import (
    OPEN_STATES,
    Action,
    ActionChange,
    EvidenceItem,
    ImpactMethod,
    LearningCheck,
    ProgressUpdate,
    Verdict,
)
from actions.models import ActionState as S
from agencies.models import Role
from core.models import Notification
from scr.models import Recommendation, Review, ReviewKind
from tests.factories.agencies import (
    AgencyFactory,
    MemberFactory,
    li_member,
    partnership_manager,
)
from tests.factories.core import in_days
from tests.factories.scr import RecommendationFactory, ReviewFactory

EVIDENCE = "Training register"
IMPACT = {
    Verdict.EMBEDDED: "90% of staff aware",
    Verdict.PARTLY: "60% of staff aware",
    Verdict.NOT_EMBEDDED: "Few staff aware",
}


# -- walking an action through its states --------------------------------------------
class Walk:
    """Who takes the steps of one walk (resolved lazily: a persona is made only if a
    step needs it)."""

    def __init__(self, action: Action, *, lead: Any, li: Any, manager: Any) -> None:
        self.action = action
        self._lead, self._li, self._manager = lead, li, manager

    @property
    def lead(self) -> Any:
        return self._lead or self.action.lead

    @property
    def li(self) -> Any:
        if self._li is None:
            self._li = li_member()
        return self._li

    @property
    def manager(self) -> Any:
        if self._manager is None:
            self._manager = partnership_manager()
        return self._manager


def _start(w: Walk) -> None:
    services.action_start_work(action=w.action, by=w.lead)


def _submit(w: Walk) -> None:
    if not w.action.evidence.exists():
        services.action_add_evidence(action=w.action, by=w.lead, description=EVIDENCE)
    services.action_submit_evidence(action=w.action, by=w.lead)


def _accept(w: Walk) -> None:
    services.action_accept_evidence(action=w.action, by=w.li)


def _return(w: Walk) -> None:
    services.action_return_evidence(action=w.action, by=w.li, reason="Add the attendance list")


def _sign_off(w: Walk) -> None:
    services.action_sign_off(action=w.action, by=w.lead)


def _fall_due(w: Walk) -> None:
    services.action_learning_check_fall_due(action=w.action)


def _check(verdict: str) -> Callable[[Walk], None]:
    def record(w: Walk) -> None:
        services.action_record_learning_check(
            action=w.action,
            by=w.li,
            method=ImpactMethod.SURVEY,
            evidence=IMPACT[Verdict(verdict)],
            verdict=verdict,
        )

    return record


def _cancel(w: Walk) -> None:
    services.action_cancel(action=w.action, by=w.manager, reason="Superseded by the new plan")


# Each step the services offer, as (from, to): how to take it.
STEPS: dict[tuple[str, str], Callable[[Walk], None]] = {
    (S.ASSIGNED, S.IN_PROGRESS): _start,
    (S.RETURNED, S.IN_PROGRESS): _start,
    (S.NOT_EMBEDDED, S.IN_PROGRESS): _start,
    (S.IN_PROGRESS, S.EVIDENCE_SUBMITTED): _submit,
    (S.EVIDENCE_SUBMITTED, S.ACCEPTED): _accept,
    (S.EVIDENCE_SUBMITTED, S.RETURNED): _return,
    (S.ACCEPTED, S.SIGNED_OFF): _sign_off,
    (S.SIGNED_OFF, S.LEARNING_CHECK_DUE): _fall_due,
    (S.PARTLY_EMBEDDED, S.LEARNING_CHECK_DUE): _fall_due,
    (S.LEARNING_CHECK_DUE, S.EMBEDDED): _check(Verdict.EMBEDDED),
    (S.LEARNING_CHECK_DUE, S.PARTLY_EMBEDDED): _check(Verdict.PARTLY),
    (S.LEARNING_CHECK_DUE, S.NOT_EMBEDDED): _check(Verdict.NOT_EMBEDDED),
    **{(state, S.CANCELLED): _cancel for state in OPEN_STATES},
}


def path(start: str, target: str) -> list[str]:
    """The shortest run of states from ``start`` to ``target`` (without ``start``);
    cancelling only as the last step asked for."""
    if start == target:
        return []
    before: dict[str, str] = {}
    queue = deque([start])
    while queue:
        state = queue.popleft()
        for (src, dst), _ in STEPS.items():
            if src != state or dst in before or dst == start:
                continue
            if dst == S.CANCELLED and target != S.CANCELLED:
                continue
            before[dst] = state
            if dst == target:
                route = [dst]
                while route[-1] in before and before[route[-1]] != start:
                    route.append(before[route[-1]])
                return route[::-1]
            queue.append(dst)
    raise ValueError(f"No way from {start} to {target}")


def walk_to(
    action: Action,
    state: str,
    *,
    via: Iterable[str] = (),
    lead: Any = None,
    li: Any = None,
    manager: Any = None,
) -> Action:
    """Take ``action`` from its state to ``state`` through the services (through each of
    ``via`` first, in order); return it refreshed."""
    walk = Walk(action, lead=lead, li=li, manager=manager)
    for stop in [*via, state]:
        for target in path(action.state, stop):
            STEPS[(action.state, target)](walk)
            action.refresh_from_db()
            assert action.state == target, f"{action} is {action.state}, not {target}"
    return action


# -- the factories ------------------------------------------------------------------------
class ActionFactory(factory.django.DjangoModelFactory[Action]):
    """An action created by ``actions.services.action_create`` (its flow starts, its lead
    gets a task), then walked to ``state`` (``walk_to``).

    ``agency``: a new agency unless given; ``lead``: a new agency lead of it; ``by``: the
    partnership manager persona (``by=None`` is the system, as an import); ``li``: who
    reviews and checks on the way (the L&I persona); ``via``: states to pass through.
    ``ActionFactory(sourced=True)`` gives it a new review's recommendation as source."""

    class Meta:
        model = Action

    agency = factory.SubFactory(AgencyFactory)
    lead = factory.LazyAttribute(lambda o: MemberFactory(agency=o.agency, role=Role.AGENCY_LEAD))
    by = factory.LazyFunction(partnership_manager)
    source = None
    description = "Deliver neglect training to all front-line staff"
    target_date = factory.LazyFunction(lambda: in_days(60))
    reference = ""
    state = S.ASSIGNED
    via: Any = ()
    li = None

    class Params:
        sourced = factory.Trait(source=factory.SubFactory(RecommendationFactory))

    @classmethod
    def _create(cls, model_class: Any, *args: Any, **kwargs: Any) -> Action:
        state, via, li = kwargs.pop("state"), kwargs.pop("via"), kwargs.pop("li")
        # An overdue action is recorded as it stands, as the importer does (the pages and
        # the API refuse a past date: tests/actions/test_target_dates.py).
        kwargs.setdefault("allow_past", kwargs["target_date"] < timezone.localdate())
        action = services.action_create(**kwargs)
        # The lead's "you are the named lead" e-mail (issue 9; its own tests are in
        # tests/core/test_notifications__events.py) is forgotten here, so the tests of the
        # later steps count only what those steps send.
        Notification.objects.filter(dedupe_key=f"action-assigned-{action.pk}").delete()
        by = kwargs["by"]
        manager = by if by is not None and by.has_perm("actions.cancel_action") else None
        return walk_to(action, state, via=via, li=li, manager=manager)

    @classmethod
    def _build(cls, model_class: Any, *args: Any, **kwargs: Any) -> Action:
        for name in ("state", "via", "li"):
            kwargs.pop(name)
        kwargs["created_by"] = kwargs.pop("by")
        return super()._build(model_class, *args, **kwargs)


class EvidenceItemFactory(factory.django.DjangoModelFactory[EvidenceItem]):
    """Evidence added by the lead (``actions.services.action_add_evidence``) to an action
    in progress (walked there if it is not); ``file=pdf()`` attaches a file."""

    class Meta:
        model = EvidenceItem

    action = factory.SubFactory(ActionFactory, state=S.IN_PROGRESS)
    by = factory.LazyAttribute(lambda o: o.action.lead)
    description = EVIDENCE
    file = None

    @classmethod
    def _create(cls, model_class: Any, *args: Any, **kwargs: Any) -> EvidenceItem:
        walk_to(kwargs["action"], S.IN_PROGRESS)
        return services.action_add_evidence(**kwargs)


class ProgressUpdateFactory(factory.django.DjangoModelFactory[ProgressUpdate]):
    """A progress update by the lead (``actions.services.action_report_progress``) on an
    action in progress (walked there if it is not)."""

    class Meta:
        model = ProgressUpdate

    action = factory.SubFactory(ActionFactory, state=S.IN_PROGRESS)
    by = factory.LazyAttribute(lambda o: o.action.lead)
    text = "Half of the teams trained"

    @classmethod
    def _create(cls, model_class: Any, *args: Any, **kwargs: Any) -> ProgressUpdate:
        walk_to(kwargs["action"], S.IN_PROGRESS)
        return services.action_report_progress(**kwargs)


class LearningCheckFactory(factory.django.DjangoModelFactory[LearningCheck]):
    """The learning check of a signed-off action, fallen due through the services; with
    a ``verdict`` also recorded (by ``by``, the L&I persona unless given)."""

    class Meta:
        model = LearningCheck

    action = factory.SubFactory(ActionFactory, state=S.SIGNED_OFF)
    verdict = ""
    by = None

    @classmethod
    def _create(cls, model_class: Any, *args: Any, **kwargs: Any) -> LearningCheck:
        action, verdict, by = kwargs["action"], kwargs["verdict"], kwargs["by"]
        walk_to(action, S.LEARNING_CHECK_DUE)
        if verdict:
            walk_to(action, verdict, li=by)
        return action.learning_checks.order_by("-opened_at", "-pk").first()


class ActionChangeFactory(factory.django.DjangoModelFactory[ActionChange]):
    """A change of an open action's details (``actions.services.action_update_details``),
    by the partnership manager unless given: the target date moved 30 days unless
    ``description``, ``lead`` or ``target_date`` say otherwise."""

    class Meta:
        model = ActionChange

    action = factory.SubFactory(ActionFactory)
    by = factory.LazyFunction(partnership_manager)
    reason = "Agreed at the board"
    description = None
    lead = None
    target_date = factory.LazyAttribute(
        lambda o: (
            None
            if o.description is not None or o.lead is not None
            else in_days((o.action.target_date - in_days(0)).days + 30)
        )
    )

    @classmethod
    def _create(cls, model_class: Any, *args: Any, **kwargs: Any) -> ActionChange:
        return services.action_update_details(**kwargs)


# -- the helpers the suite grew up with, now over the factories -------------------------
def make_review(
    *,
    title: str = "Child T serious case review",
    pseudonym: str = "Child T",
    kind: str = ReviewKind.SCR,
    lead_agency=None,
) -> Review:
    return ReviewFactory.create(
        kind=kind, title=title, pseudonym=pseudonym, lead_agency=lead_agency
    )


def make_recommendation(
    review: Review, number: int = 1, text: str = "Improve information sharing"
) -> Recommendation:
    return RecommendationFactory.create(review=review, number=number, text=text)


def make_action(
    *,
    agency,
    lead,
    by,
    source=None,
    target_in_days: int = 60,
    description: str = "Deliver neglect training to all front-line staff",
    reference: str = "",
    state: str = S.ASSIGNED,
) -> Action:
    return ActionFactory.create(
        agency=agency,
        lead=lead,
        by=by,
        source=source,
        target_date=in_days(target_in_days),
        description=description,
        reference=reference,
        state=state,
    )


# The smallest well-formed PDF (evidence files are checked for a real PDF's structure).
MINIMAL_PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\n"
    b"xref\n0 3\n0000000000 65535 f \n0000000009 00000 n \n0000000052 00000 n \n"
    b"trailer<</Size 3/Root 1 0 R>>\nstartxref\n96\n%%EOF\n"
)


def pdf(name: str = "evidence.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, MINIMAL_PDF, content_type="application/pdf")
