"""Where actions come from: the registry of action sources.

An action has one source (``Action.source``, a generic foreign key): an SCR
recommendation today, an audit finding, a challenge's learning, an improvement-plan line,
a risk mitigation or an S11 gap later. ``actions`` imports none of those apps: each one
registers, in its ``AppConfig.ready()``, how its records appear as an action's source::

    from actions.sources import Parent, register_source

    register_source(
        Recommendation,
        kind="Recommendation",                       # the action page's heading
        label=str,                                   # "Child T recommendation 2"
        url=lambda r: r.get_absolute_url(),
        text=lambda r: r.text,                       # shown under the link (optional)
        visible_to=visible_recommendations,          # user -> the records they may see
        parent=Parent(model=Review, param="review", lookup="review", ...),
        export_columns=[("Review", lambda r: r.review.title), ...],
        related=["review"],                          # joined when actions are listed
        alias="recommendation",                      # the API's and create page's own name
        importer=RecommendationImporter(),           # how a plan row finds or creates one
    )

From the registry come the actions list's filter by parent (``?review=``), the API's
create field (``"source": {"type": "scr.recommendation", "id": 12}``, and the alias
``"recommendation": 12``), the export's columns, the action page's source block, the
plan importer's columns and who may create actions on a record
(``may_create_actions(user, record)``, checked by ``services.action_create``)."""

from __future__ import annotations

from collections.abc import Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from django.contrib.contenttypes.models import ContentType
from django.db.models import Model, Q, QuerySet

Record = Any
User = Any


def _may_manage_plan(user: User, record: Record) -> bool:
    return bool(user is not None and user.has_perm("actions.manage_plan"))


@dataclass(frozen=True)
class Parent:
    """What a source's records are grouped and filtered by (a review, an audit, a
    challenge, a plan objective): the actions list's ``?<param>=<id>`` filter."""

    model: type[Model]
    param: str  # the list's and the API's query parameter: "review"
    lookup: str  # the source's field naming its parent: "review"
    visible_to: Callable[[User], QuerySet[Any]]  # the parents the user may see
    label: str = ""  # "Review" (default: the model's verbose name)
    plural: str = ""  # "reviews" (default: the model's plural verbose name)
    help_text: str = ""
    # how the list's select names one (default ``str``): it must tell two apart, so an
    # objective names its plan ("Improvement plan 2026: Objective 2")
    choice_label: Callable[[Any], str] = str
    # the select offers the newest first (``visible_to``'s own order when empty)
    newest_first: tuple[str, ...] = ("-pk",)

    @property
    def heading(self) -> str:
        return self.label or str(self.model._meta.verbose_name).capitalize()

    @property
    def many(self) -> str:
        return self.plural or str(self.model._meta.verbose_name_plural)

    @property
    def one(self) -> str:
        return str(self.model._meta.verbose_name)


@dataclass
class SourceRow:
    """What a plan row names as its action's source, as a source's importer found it."""

    problems: list[Any] = field(default_factory=list)  # core.tabular.Problem
    key: Hashable | None = None  # the source's identity, existing or to be created
    record: Record | None = None  # the existing record; None: the import creates it
    preview: dict[str, Any] = field(default_factory=dict)  # shown before importing
    pending: Any = None  # what the importer needs to create the record
    # What the importer found, by name (a recommendation's review, number...): readable
    # as attributes of the checked row (``PlanRow``).
    attrs: dict[str, Any] = field(default_factory=dict)

    @property
    def new(self) -> bool:
        return self.record is None


class SourceImporter(Protocol):
    """How a plan row finds or creates its action's source (``actions.importing``).

    ``columns`` (in the order problems are listed) go before the action's own columns;
    ``preview_columns`` are ``(heading, preview key)`` pairs for the check page;
    ``new_noun`` names what the import may create ("recommendation")."""

    columns: Sequence[str]
    required: Sequence[str]
    aliases: Mapping[str, Sequence[str]]
    preview_columns: Sequence[tuple[str, str]]
    new_noun: str
    help_text: str

    def resolve(self, rows: Sequence[Any], by: User) -> list[SourceRow]:
        """One :class:`SourceRow` per table row, in a fixed number of queries."""

    def create(self, rows: Sequence[SourceRow], by: User) -> None:
        """Create the new records the rows name (once each) and set ``row.record``."""


@dataclass(frozen=True)
class Source:
    model: type[Model]
    kind: str
    label: Callable[[Record], str]
    url: Callable[[Record], str]
    visible_to: Callable[[User], QuerySet[Any]]
    text: Callable[[Record], str] = lambda record: ""
    may_create_actions: Callable[[User, Record], bool] = _may_manage_plan
    parent: Parent | None = None
    # (heading, read(record)) or (heading, read(record), value for another source's action)
    export_columns: Sequence[tuple[Any, ...]] = ()
    related: Sequence[str] = ()
    alias: str | None = None
    importer: SourceImporter | None = None

    @property
    def key(self) -> str:
        """``"scr.recommendation"``: the source's type in the API."""
        return f"{self.model._meta.app_label}.{self.model._meta.model_name}"

    def content_type(self) -> ContentType:
        return ContentType.objects.get_for_model(self.model)

    def parent_q(self, parent_ids: Any) -> Q:
        """Actions whose source is one of this source's records under ``parent_ids``
        (an id, or a list or queryset of them)."""
        assert self.parent is not None
        lookup = f"{self.parent.lookup}__in" if _many(parent_ids) else f"{self.parent.lookup}"
        records = self.model._default_manager.filter(**{lookup: parent_ids}).values("pk")
        return Q(source_content_type=self.content_type(), source_object_id__in=records)


def _many(value: Any) -> bool:
    return isinstance(value, (list, tuple, set, frozenset, QuerySet))


_REGISTRY: dict[type[Model], Source] = {}
# Bumped on every change, so what is built from the registry (the list's FilterSet) is
# rebuilt after a test registers a source of its own.
_version = 0


def register_source(model: type[Model], **options: Any) -> Source:
    """Register (or replace) how ``model``'s records appear as an action's source."""
    global _version
    source = Source(model=model, **options)
    _REGISTRY[model] = source
    _version += 1
    return source


def unregister_source(model: type[Model]) -> None:
    global _version
    _REGISTRY.pop(model, None)
    _version += 1


def version() -> int:
    return _version


def sources() -> list[Source]:
    return list(_REGISTRY.values())


def source_for(model_or_record: type[Model] | Record) -> Source | None:
    model: type[Model] = (
        model_or_record if isinstance(model_or_record, type) else type(model_or_record)
    )
    return _REGISTRY.get(model)


def by_key(key: str) -> Source | None:
    return next((s for s in _REGISTRY.values() if s.key == key), None)


def by_alias(alias: str) -> Source | None:
    return next((s for s in _REGISTRY.values() if s.alias == alias), None)


def with_parents() -> list[Source]:
    return [s for s in _REGISTRY.values() if s.parent is not None]


def importers() -> list[Source]:
    return [s for s in _REGISTRY.values() if s.importer is not None]


def prefetch_querysets() -> list[QuerySet[Any]]:
    """One queryset a source, with what its label, link and export columns read joined:
    for ``GenericPrefetch("source", ...)``."""
    return [s.model._default_manager.select_related(*s.related) for s in _REGISTRY.values()]


def may_create_actions(user: User, record: Record) -> bool:
    source = source_for(record)
    return source is not None and bool(source.may_create_actions(user, record))


@dataclass(frozen=True)
class SourceView:
    """An action's source as the pages show it."""

    kind: str
    label: str
    url: str
    text: str
    record: Record


def describe(record: Record | None) -> SourceView | None:
    """The source block of an action page, or None for an action without a source. A
    record of a model no app registers (any more) shows as itself, without a link."""
    if record is None:
        return None
    source = source_for(record)
    if source is None:
        return SourceView(str(record._meta.verbose_name).capitalize(), str(record), "", "", record)
    return SourceView(
        source.kind, source.label(record), source.url(record), source.text(record), record
    )


def label(record: Record | None) -> str:
    view = describe(record)
    return view.label if view else ""


def export_headings() -> list[str]:
    """The columns the sources add to an export, in registration order, each once."""
    return list(export_blanks())


def export_blanks() -> dict[str, Any]:
    """Each source column with its value for an action whose source lacks it ("")."""
    blanks: dict[str, Any] = {}
    for source in _REGISTRY.values():
        for heading, _, *empty in source.export_columns:
            blanks.setdefault(heading, empty[0] if empty else "")
    return blanks


def export_values(record: Record | None) -> dict[str, Any]:
    source = source_for(record) if record is not None else None
    if source is None:
        return {}
    return {column[0]: column[1](record) for column in source.export_columns}
