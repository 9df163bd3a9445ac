"""What a learning check may cite as its impact evidence: the registry.

A learning check asks whether an action's learning is embedded; the best evidence is
often another loop's record: a later audit's findings (the re-audit closes the loop), a
survey, an indicator. ``actions`` imports none of those apps: each one registers, in its
``AppConfig.ready()``, which of its records a learning check may cite::

    from actions.impact import register_impact_evidence

    register_impact_evidence(
        Audit,
        kind="Audit findings",                         # shown before the record's label
        label=str,                                     # "Neglect re-audit 2027"
        url=lambda a: reverse("audits:findings", args=[a.pk]),
        citable=citable_audits,                        # (user, action) -> the records
        visible_to=lambda user: audit_list(user=user), # user -> the records they may see
    )

A citation is stored on the check as a content type and an id (``LearningCheck.cites``,
generic, no foreign key into the other app). The learning-check form offers
:func:`choices` (``"<app_label>.<model>:<id>"`` keys), the service checks the key with
:func:`resolve` (it must be among the records the person may cite for that action now)
and the pages show :func:`citations` (a record the reader may not see is named as such,
never by its label)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db.models import Model, QuerySet

Record = Any
User = Any
Action = Any

# How many records of one kind the form offers (the most recent first is the
# registrant's ordering): a learning check cites a recent record, not any ever made.
MAX_CHOICES = 100

NOT_CITABLE = (
    "Choose impact evidence from the list: the record is not one this check may cite "
    "(it must be later than the action's source and one you may see)"
)
HIDDEN = "a record you may not see"


@dataclass(frozen=True)
class ImpactEvidence:
    model: type[Model]
    kind: str
    label: Callable[[Record], str]
    url: Callable[[Record], str]
    citable: Callable[[User, Action], QuerySet[Any]]
    visible_to: Callable[[User], QuerySet[Any]]

    @property
    def key(self) -> str:
        return self.model._meta.label_lower


@dataclass(frozen=True)
class Citation:
    """A check's citation as a page shows it: the kind always; the label and link only
    for a reader who may see the record."""

    kind: str
    label: str
    url: str

    @property
    def hidden(self) -> bool:
        return not self.url


_REGISTRY: dict[str, ImpactEvidence] = {}


def register_impact_evidence(model: type[Model], **options: Any) -> ImpactEvidence:
    evidence = ImpactEvidence(model=model, **options)
    _REGISTRY[evidence.key] = evidence
    return evidence


def unregister_impact_evidence(model: type[Model]) -> None:
    _REGISTRY.pop(model._meta.label_lower, None)


def kinds() -> list[ImpactEvidence]:
    return list(_REGISTRY.values())


def key_of(record: Record) -> str:
    return f"{record._meta.label_lower}:{record.pk}"


def choices(action: Action, user: User) -> list[tuple[str, str]]:
    """The records ``user`` may cite as the impact evidence of ``action``'s learning
    check, as ``(key, "Kind: label")`` pairs: one query per registered kind."""
    out: list[tuple[str, str]] = []
    for evidence in _REGISTRY.values():
        for record in evidence.citable(user, action)[:MAX_CHOICES]:
            out.append((key_of(record), f"{evidence.kind}: {evidence.label(record)}"))
    return out


def resolve(key: str, *, action: Action, user: User) -> Record:
    """The record ``key`` names, if ``user`` may cite it for ``action`` now; else
    ``LookupError`` (with :data:`NOT_CITABLE`)."""
    label, _, pk = (key or "").partition(":")
    evidence = _REGISTRY.get(label)
    if evidence is None or not pk.isdigit() or len(pk) > 18:
        raise LookupError(NOT_CITABLE)
    record = evidence.citable(user, action).filter(pk=int(pk)).first()
    if record is None:
        raise LookupError(NOT_CITABLE)
    return record


def citations(checks: Iterable[Any], user: User) -> dict[int, Citation]:
    """check id -> its citation as ``user`` may read it, for the checks that cite a
    record: one query per kind cited (whatever the number of checks)."""
    wanted: dict[int, list[Any]] = defaultdict(list)
    for check in checks:
        if check.cites_type_id and check.cites_id:
            wanted[check.cites_type_id].append(check)
    out: dict[int, Citation] = {}
    for type_id, cited in wanted.items():
        model = ContentType.objects.get_for_id(type_id).model_class()
        evidence = _REGISTRY.get(model._meta.label_lower) if model is not None else None
        if evidence is None:
            for check in cited:
                out[check.pk] = Citation("Impact evidence", HIDDEN, "")
            continue
        seen = {
            r.pk: r for r in evidence.visible_to(user).filter(pk__in={c.cites_id for c in cited})
        }
        for check in cited:
            record = seen.get(check.cites_id)
            out[check.pk] = (
                Citation(evidence.kind, evidence.label(record), evidence.url(record))
                if record is not None
                else Citation(evidence.kind, HIDDEN, "")
            )
    return out


def content_type_of(record: Record) -> ContentType:
    return ContentType.objects.get_for_model(type(record))


def attach(checks: Iterable[Any], user: User) -> list[Any]:
    """The checks, each with ``citation`` (a :class:`Citation` or None) for the pages:
    no query when none cites a record."""
    checks = list(checks)
    found = citations(checks, user)
    for check in checks:
        check.citation = found.get(check.pk)
    return checks


def offer(next_steps: Iterable[Any], action: Action, user: User) -> None:
    """Offer the citable records on the learning-check form among the record page's
    next steps (``core.steps.next_steps``), if it is offered: no query otherwise."""
    for step in next_steps:
        offer_citations = getattr(step.form, "offer_citations", None)
        if offer_citations is not None:
            offer_citations(choices(action, user))
