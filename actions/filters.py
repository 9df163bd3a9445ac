"""The actions list's filters, written once: one ``FilterSet`` serves the page's GOV.UK
filter form, its CSV/XLSX export, the API's query parameters (``DjangoFilterBackend``:
a value that is not valid is a 400 naming the parameter) and ``selectors.action_list``.

Each filter reads its value as the page or the API wants it (``api=``): on the page a
select of what the user may see ("Choose an agency from the list"; an invalid filter is
shown on its field while the valid ones apply), in the API a strict value ("Must be a
whole number.", "Unknown state “bogus”."). The filters: ``q`` (search), ``agency``, one
per registered source parent (``review``: ``actions.sources``), ``state``, ``rag``,
``mine`` (API only), and for the overview's links ``extended``, ``extension`` (an
extension request's decision), ``verdict`` (a learning check's), ``due_from`` and
``due_to`` (the target date, YYYY-MM-DD). The queryset it filters is already scoped to
the agencies the user may see (``selectors.action_list``)."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any

import django_filters
from django import forms
from django.core.validators import EMPTY_VALUES
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.forms.models import ModelChoiceIterator
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from actions import sources
from actions.models import (
    Action,
    ActionState,
    ExtensionDecision,
    ExtensionRequest,
    LearningCheck,
    Rag,
    Verdict,
)
from actions.selectors import SEARCH_MAX_LENGTH, rag_q, search_q
from agencies.selectors import visible_agencies
from core.api import MAX_ID, WHOLE_NUMBER

_ASCII_DIGITS = re.compile(r"[0-9]+")
_MAX_ID_DIGITS = len(str(MAX_ID))
SEARCH_TOO_LONG = f"Search must be {SEARCH_MAX_LENGTH} characters or fewer"


class IdField(forms.Field):
    """A record's id in a query string, as the API's ``core.api.IdField`` reads it:
    ASCII digits, 1 to :data:`core.api.MAX_ID`."""

    default_error_messages = {
        "invalid": WHOLE_NUMBER,
        "min_value": "Ensure this value is greater than or equal to 1.",
        "max_value": f"Ensure this value is less than or equal to {MAX_ID}.",
    }

    def to_python(self, value: Any) -> int | None:
        if value in EMPTY_VALUES:
            return None
        text = str(value)
        if not _ASCII_DIGITS.fullmatch(text):
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        if len(text.lstrip("0")) > _MAX_ID_DIGITS or int(text) > MAX_ID:
            raise forms.ValidationError(self.error_messages["max_value"], code="max_value")
        if int(text) < 1:
            raise forms.ValidationError(self.error_messages["min_value"], code="min_value")
        return int(text)


class StrictBooleanField(forms.Field):
    """``1``/``true``/``yes``/``on`` or ``0``/``false``/``no``/``off`` (as DRF reads a
    boolean); anything else is an error, never silently false."""

    TRUE = {"1", "t", "true", "y", "yes", "on"}
    FALSE = {"0", "f", "false", "n", "no", "off"}
    default_error_messages = {"invalid": "Must be a valid boolean."}

    def to_python(self, value: Any) -> bool | None:
        if value in EMPTY_VALUES:
            return None
        text = str(value).lower()
        if text in self.TRUE:
            return True
        if text in self.FALSE:
            return False
        raise forms.ValidationError(self.error_messages["invalid"], code="invalid")


class TwoWayFilter(django_filters.Filter):
    """One filter, its value read by the page's field or the API's (``make_field(user,
    api)``), applied by ``apply(queryset, value, user)``."""

    def __init__(
        self,
        *,
        make_field: Callable[[Any, bool], forms.Field],
        apply: Callable[[QuerySet[Action], Any, Any], QuerySet[Action]],
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.make_field = make_field
        self.apply = apply
        self.user: Any = None
        self.api = True

    @property
    def field(self) -> forms.Field:
        if not hasattr(self, "_field"):
            self._field = self.make_field(self.user, self.api)
        return self._field

    def filter(self, qs: QuerySet[Action], value: Any) -> QuerySet[Action]:
        if value in EMPTY_VALUES:
            return qs
        return self.apply(qs, value, self.user)


def _two_way(
    schema: serializers.Field,
    make_field: Callable[[Any, bool], forms.Field],
    apply: Callable[[QuerySet[Action], Any, Any], QuerySet[Action]],
) -> TwoWayFilter:
    # The OpenAPI document describes the API's reading of the parameter.
    return extend_schema_field(schema)(TwoWayFilter(make_field=make_field, apply=apply))


def _choices(
    choices: Any, *, label: str, empty: str, page_message: str, api_message: str
) -> Callable[[Any, bool], forms.Field]:
    def make(user: Any, api: bool) -> forms.Field:
        if api:
            return forms.ChoiceField(
                required=False,
                choices=choices,
                error_messages={"invalid_choice": api_message},
            )
        return forms.ChoiceField(
            label=label,
            required=False,
            choices=[("", empty), *choices],
            error_messages={"invalid_choice": page_message},
        )

    return make


def _search_field(user: Any, api: bool) -> forms.Field:
    if api:
        return forms.CharField(required=False, max_length=SEARCH_MAX_LENGTH, strip=False)
    return forms.CharField(
        label="Search",
        required=False,
        max_length=SEARCH_MAX_LENGTH,
        help_text="Words in the action's reference or description",
        error_messages={"max_length": SEARCH_TOO_LONG},
    )


class _ListedChoices(ModelChoiceIterator):
    """A select's options read in one query: Django's iterator counts them first
    (another query) when a template loops over it."""

    def __init__(self, field: forms.ModelChoiceField) -> None:
        super().__init__(field)
        self._listed: list[Any] | None = None

    def _rows(self) -> list[Any]:
        if self._listed is None:
            self._listed = list(super().__iter__())
        return self._listed

    def __iter__(self) -> Iterator[Any]:
        return iter(self._rows())

    def __len__(self) -> int:
        return len(self._rows())

    def __bool__(self) -> bool:
        return bool(self._rows())


class _ListedModelChoiceField(forms.ModelChoiceField):
    iterator = _ListedChoices


def _agency_field(user: Any, api: bool, label: str = "Agency") -> forms.Field:
    if api:
        return IdField(required=False)
    return _ListedModelChoiceField(
        queryset=visible_agencies(user),
        required=False,
        label=label,
        empty_label="All agencies",
        error_messages={"invalid_choice": "Choose an agency from the list"},
    )


def _owner_field(user: Any, api: bool) -> forms.Field:
    return _agency_field(user, api, label="Owned by")


# How many parents (reviews, audits, objectives) the list's select offers: the newest.
# Years of them would make the select unusable and the page cost grow with them; an
# older one is still accepted (a link from its own page) and then shown chosen.
PARENT_CHOICES = 50


class _ParentChoiceField(forms.TypedChoiceField):
    """A parent filter's select: the newest ``PARENT_CHOICES`` parents the user may see,
    one query for them; any other parent the user may see is valid too (one query more,
    only when one is asked for) and is added to the options, so the select shows it."""

    def __init__(self, *, parent: sources.Parent, user: Any) -> None:
        self.parent = parent
        self.user = user
        newest = parent.visible_to(user)
        if parent.newest_first:
            newest = newest.order_by(*parent.newest_first)
        self.offered: list[tuple[Any, str]] = [
            ("", f"All {parent.many}"),
            *[(p.pk, parent.choice_label(p)) for p in newest[:PARENT_CHOICES]],
        ]
        super().__init__(
            label=parent.heading,
            required=False,
            coerce=int,
            empty_value=None,
            choices=self.offered,
            error_messages={"invalid_choice": f"Choose a {parent.one} from the list"},
        )

    def valid_value(self, value: Any) -> bool:
        if super().valid_value(value):
            return True
        text = str(value)
        if not (text.isascii() and text.isdigit()) or len(text) > 18:
            return False  # "²" is a digit to Python, not to int()
        older = self.parent.visible_to(self.user).filter(pk=int(value)).first()
        if older is None:
            return False
        self.choices = [*self.offered, (older.pk, self.parent.choice_label(older))]
        return True


def _parent_field(parent: sources.Parent) -> Callable[[Any, bool], forms.Field]:
    def make(user: Any, api: bool) -> forms.Field:
        if api:
            return IdField(required=False)
        return _ParentChoiceField(parent=parent, user=user)

    return make


def _parent_filter(source: sources.Source) -> TwoWayFilter:
    parent = source.parent
    assert parent is not None
    return _two_way(
        _id_schema(parent.help_text or f"Actions on this {parent.one}'s records."),
        _parent_field(parent),
        lambda qs, value, user: qs.filter(source.parent_q(value)),
    )


def agency_q(agency_id: int) -> Q:
    """Actions the agency owns or contributes to (an improvement plan's contributing
    agencies). The contributions are one indexed read of the through table (``IN``, a
    hashed subplan on PostgreSQL), not a correlated subquery per action, so the list
    still walks its target-date index."""
    contributions = Action.contributing_agencies.through.objects.filter(agency_id=agency_id)
    return Q(agency_id=agency_id) | Q(pk__in=contributions.values("action_id"))


def _id_schema(help_text: str) -> serializers.Field:
    return serializers.IntegerField(min_value=1, max_value=MAX_ID, help_text=help_text)


class ActionFilterSet(django_filters.FilterSet):
    """The base of the list's FilterSet; :func:`action_filterset` adds the parents'
    filters from the registry."""

    q = _two_way(
        serializers.CharField(
            max_length=SEARCH_MAX_LENGTH,
            help_text="Words in the action's reference or description (any case; every word).",
        ),
        _search_field,
        lambda qs, value, user: qs.filter(search_q(value)) if value.strip() else qs,
    )
    agency = _two_way(
        _id_schema("The id of the agency that owns the action or contributes to it."),
        _agency_field,
        lambda qs, value, user: qs.filter(agency_q(getattr(value, "pk", value))),
    )

    class Meta:
        model = Action
        fields: list[str] = []

    def __init__(
        self,
        data: Any = None,
        queryset: QuerySet[Action] | None = None,
        *,
        request: Any = None,
        prefix: str | None = None,
        user: Any = None,
        api: bool = True,
    ) -> None:
        super().__init__(data, queryset, request=request, prefix=prefix)
        user = user if user is not None else getattr(request, "user", None)
        for one in self.filters.values():
            if isinstance(one, TwoWayFilter):
                one.user, one.api = user, api
        if not api:
            del self.filters["mine"]  # the page has "My actions" of its own

    # The query parameters of the sources' parents (the page's selects after the agency).
    parent_params: tuple[str, ...] = ()


_STATE = _choices(
    ActionState.choices,
    label="State",
    empty="All states",
    page_message="Choose a state from the list",
    api_message="Unknown state “%(value)s”.",
)
_RAG = _choices(
    Rag.choices,
    label="RAG",
    empty="Any",
    page_message="Choose a RAG status from the list",
    api_message="Unknown RAG status “%(value)s”.",
)

_EXTENSION = _choices(
    ExtensionDecision.choices,
    label="Extension request",
    empty="Any",
    page_message="Choose an extension decision from the list",
    api_message="Unknown extension decision “%(value)s”.",
)
_VERDICT = _choices(
    Verdict.choices,
    label="Learning check verdict",
    empty="Any",
    page_message="Choose a learning check verdict from the list",
    api_message="Unknown verdict “%(value)s”.",
)


def _date_field(label: str) -> Callable[[Any, bool], forms.Field]:
    def make(user: Any, api: bool) -> forms.Field:
        return forms.DateField(
            label=label,
            required=False,
            input_formats=["%Y-%m-%d"],
            error_messages={"invalid": "Enter a date as YYYY-MM-DD"},
        )

    return make


def _tail_filters() -> dict[str, TwoWayFilter]:
    return {
        "state": _two_way(
            serializers.ChoiceField(choices=ActionState.choices),
            _STATE,
            lambda qs, value, user: qs.filter(state=value),
        ),
        "rag": _two_way(
            serializers.ChoiceField(choices=Rag.choices),
            _RAG,
            # the amber window (a read of the partnership) only decides amber and green
            lambda qs, value, user: qs.filter(
                rag_q(value, amber_days=None if value in (Rag.AMBER, Rag.GREEN) else 0)
            ),
        ),
        "mine": _two_way(
            serializers.BooleanField(help_text="Only the actions the caller leads."),
            lambda user, api: StrictBooleanField(required=False),
            lambda qs, value, user: qs.filter(lead=user) if value else qs,
        ),
        # The overview's figures (``actions.overview``) link to the list with these.
        "owner": _two_way(
            _id_schema("The id of the agency that owns the action (its contributors not)."),
            _owner_field,
            lambda qs, value, user: qs.filter(agency_id=getattr(value, "pk", value)),
        ),
        "extended": _two_way(
            serializers.BooleanField(help_text="Only actions whose target date was extended."),
            lambda user, api: StrictBooleanField(required=False, label="Extended"),
            lambda qs, value, user: qs.filter(extensions__gt=0) if value else qs,
        ),
        "extension": _two_way(
            serializers.ChoiceField(choices=ExtensionDecision.choices),
            _EXTENSION,
            lambda qs, value, user: qs.filter(
                Exists(ExtensionRequest.objects.filter(action=OuterRef("pk"), decision=value))
            ),
        ),
        "verdict": _two_way(
            serializers.ChoiceField(choices=Verdict.choices),
            _VERDICT,
            lambda qs, value, user: qs.filter(
                Exists(LearningCheck.objects.filter(action=OuterRef("pk"), verdict=value))
            ),
        ),
        "due_from": _two_way(
            serializers.DateField(help_text="Target date on or after (YYYY-MM-DD)."),
            _date_field("Due on or after"),
            lambda qs, value, user: qs.filter(target_date__gte=value),
        ),
        "due_to": _two_way(
            serializers.DateField(help_text="Target date on or before (YYYY-MM-DD)."),
            _date_field("Due on or before"),
            lambda qs, value, user: qs.filter(target_date__lte=value),
        ),
    }


_built: tuple[int, type[ActionFilterSet]] | None = None


def action_filterset() -> type[ActionFilterSet]:
    """The list's FilterSet for the sources registered now: search, agency, a filter per
    source parent (``review``), state, RAG and ``mine``."""
    global _built
    if _built is None or _built[0] != sources.version():
        parents = {s.parent.param: _parent_filter(s) for s in sources.with_parents() if s.parent}
        attrs: dict[str, Any] = {
            **parents,
            **_tail_filters(),
            "parent_params": tuple(parents),
            "Meta": ActionFilterSet.Meta,
            "__module__": __name__,
        }
        _built = (sources.version(), type("ActionFilter", (ActionFilterSet,), attrs))
    return _built[1]


def filter_actions(qs: QuerySet[Action], *, user: Any, **values: Any) -> QuerySet[Action]:
    """``qs`` (scoped to what ``user`` may see) filtered by the API's reading of
    ``values`` (``agency=3, review=2, state="assigned", rag="red", q="neglect",
    mine=True``); a value that is not valid is a ``ValueError``."""
    data = {
        name: ("1" if value is True else "0" if value is False else value)
        for name, value in values.items()
        if value not in (None, "")
    }
    unknown = set(data) - set(action_filterset().base_filters)
    if unknown:
        raise TypeError(f"Unknown action filters: {sorted(unknown)}")
    filterset = action_filterset()(data, qs, user=user, api=True)
    if not filterset.is_valid():
        raise ValueError(dict(filterset.errors))
    return filterset.qs
