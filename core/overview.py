"""The register of the partnership overview's sections: each loop adds its figures to the
overview page (``/overview/``), the board paper (print, PDF) and its XLSX, in its own
``AppConfig.ready()``. It lives in ``core`` because ``core`` imports no domain app and a
domain app never imports ``workflows`` or ``overview``.

How a loop registers (``actions/apps.py`` and ``actions/overview.py`` are the model)::

    # myloop/overview.py
    from core.overview import Cell, Figure, FigureTable, Period, SectionFigures

    def build(user, period: Period) -> SectionFigures | None:
        # Scope to what ``user`` may see (agencies.selectors.agencies_for /
        # visible_agencies) IN THE DATABASE, and count with aggregates
        # (``Count(..., filter=Q(...))``, ``values().annotate()``): a fixed number of
        # queries whatever the number of records. Return None to show nothing.
        counts = MyRecord.objects.filter(agency__in=visible_agencies(user)).aggregate(...)
        url = reverse("myloop:list")
        return SectionFigures(
            key_figures=(Figure("Open audits", counts["open"], f"{url}?state=open"),),
            tables=(
                FigureTable.single(
                    "Audits by state", "Audits",
                    [Figure(label, n, f"{url}?state={value}") for value, label, n in ...],
                ),
            ),
        )

    # myloop/apps.py
    def ready(self):
        from core.overview import register_overview_section
        from myloop.overview import build
        register_overview_section("audits", title="Themed audits", order=20, build=build)

Rules every section keeps (``tests/overview/`` checks the actions' section; copy those
tests for yours):

- **Same figures as the lists**: every figure's ``url`` is the loop's own list filtered
  the same way, and the number equals the count that list shows (test it).
- **Bounded queries**: a build costs the same number of queries for 10 and 10,000
  records (test it at two sizes, with bulk creation for the large one).
- **Isolation**: figures count only what ``user`` may see; a section for partnership
  roles only returns None for anybody else.
- **Every chart is also a table**: the page draws a ``FigureTable`` with ``chart=True``
  as CSS bars (no JavaScript) *and* as a table with the same numbers; the PDF and the
  XLSX use the same ``SectionFigures``.

A table of several columns (a trend by quarter: Due / Complete / Overdue) is a
``FigureTable(caption, columns=(...), rows=(FigureRow(label, (Cell(n, url), ...)), ...))``;
a ``Figure``'s or ``Cell``'s ``tone`` ("red", "amber", "green", "grey") colours its bar.
Who sees the overview at all is decided by the ``overview`` app (partnership roles); the
home page (My work) shows each section's ``key_figures``, so keep them to a few.

**The summary on My work** (:func:`build_overview_summary`) calls each section's
``summary(user, period)`` if it registered one (``register_overview_section(...,
summary=overview.summary)``), otherwise its ``build``. A ``summary`` returns the same
``key_figures`` as ``build`` (test it) and no tables, computed with an aggregate or two
and never by building the section's tables: the home page pays for it on every visit.

``build(user, period)`` receives a :class:`Period`: ``period.today`` (the date the
figures are for) and ``period.quarters`` (the quarters of the trend, oldest first, the
current one last: UK financial-year quarters, "Q3 2026/27").
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from typing import Any
from urllib.parse import urlencode

from django.urls import get_script_prefix, reverse
from django.utils import timezone


@lru_cache(maxsize=256)
def _reversed(prefix: str, viewname: str, args: tuple[Any, ...]) -> str:
    return reverse(viewname, args=args)


def link(viewname: str, *args: Any, **params: Any) -> str:
    """A figure's link: the page ``viewname`` (with ``args``) filtered by ``params``
    (empty ones left out). The address is reversed once per process and script
    prefix: an overview has a thousand links, and ``reverse`` is slow."""
    base = _reversed(get_script_prefix(), viewname, tuple(args))
    query = urlencode({k: v for k, v in params.items() if v not in (None, "")})
    return f"{base}?{query}" if query else base


TREND_QUARTERS = 4  # how many quarters the trend shows, the current one included


@dataclass(frozen=True)
class Quarter:
    """A UK financial-year quarter (Q1 is April to June)."""

    start: date
    end: date  # the last day, inclusive

    @classmethod
    def containing(cls, day: date) -> Quarter:
        first_month = ((day.month - 1) // 3) * 3 + 1
        start = date(day.year, first_month, 1)
        return cls(start=start, end=_add_months(start, 3).replace(day=1) - _ONE_DAY)

    def previous(self) -> Quarter:
        return Quarter.containing(self.start - _ONE_DAY)

    @property
    def number(self) -> int:
        # April to June is Q1 of the financial year; January to March is Q4.
        return (self.start.month - 4) % 12 // 3 + 1

    @property
    def financial_year(self) -> str:
        first = self.start.year if self.start.month >= 4 else self.start.year - 1
        return f"{first}/{(first + 1) % 100:02d}"

    @property
    def label(self) -> str:
        """ "Q3 2026/27" """
        return f"Q{self.number} {self.financial_year}"

    @property
    def months(self) -> str:
        """ "October to December 2026" """
        return f"{self.start:%B} to {self.end:%B %Y}"


_ONE_DAY = date(2000, 1, 2) - date(2000, 1, 1)


def _add_months(day: date, months: int) -> date:
    index = day.month - 1 + months
    return date(day.year + index // 12, index % 12 + 1, 1)


@dataclass(frozen=True)
class Period:
    """What the overview is for: ``today`` and the trend's ``quarters`` (oldest first)."""

    today: date
    quarters: tuple[Quarter, ...]

    @classmethod
    def ending(cls, today: date | None = None, count: int = TREND_QUARTERS) -> Period:
        today = today or timezone.localdate()
        quarters = [Quarter.containing(today)]
        while len(quarters) < count:
            quarters.append(quarters[-1].previous())
        return cls(today=today, quarters=tuple(reversed(quarters)))


@dataclass(frozen=True)
class Figure:
    """One number: its label, its value, and the list it counts (filtered the same way)."""

    label: str
    value: int
    url: str = ""
    hint: str = ""  # a few words under the label ("target date passed, not extended")
    tone: str = ""  # the bar's colour: "red", "amber", "green", "grey" (default blue)


@dataclass(frozen=True)
class Cell:
    value: int
    url: str = ""
    tone: str = ""  # as Figure.tone


@dataclass(frozen=True)
class FigureRow:
    label: str
    cells: tuple[Cell, ...]  # one per column of the table
    url: str = ""  # the list behind the row as a whole (an agency's actions), optional
    hint: str = ""


@dataclass(frozen=True)
class Bar:
    label: str  # the row's
    column: str
    column_index: int  # 0 for the first column: the chart's colour
    value: int
    percent: int
    tone: str = ""


@dataclass(frozen=True)
class FigureTable:
    """A table of figures: rows (agencies, RAG ratings, quarters...) by ``columns``
    (one heading per value). With ``chart=True`` it is also drawn as a bar chart (one bar
    a cell) from the same numbers."""

    caption: str
    columns: tuple[str, ...]
    rows: tuple[FigureRow, ...]
    chart: bool = True
    row_heading: str = ""  # the first column's heading ("Agency", "Quarter")
    note: str = ""

    @classmethod
    def single(
        cls,
        caption: str,
        column: str,
        figures: Iterable[Figure],
        *,
        chart: bool = True,
        row_heading: str = "",
        note: str = "",
    ) -> FigureTable:
        """A one-column table from figures (label, value, link)."""
        return cls(
            caption=caption,
            columns=(column,),
            rows=tuple(
                FigureRow(f.label, (Cell(f.value, f.url, f.tone),), hint=f.hint) for f in figures
            ),
            chart=chart,
            row_heading=row_heading,
            note=note,
        )

    @property
    def largest(self) -> int:
        """The largest value of the table (at least 1): a bar's length is value / largest."""
        return max([1, *(c.value for r in self.rows for c in r.cells)])

    def grid(self) -> list[tuple[FigureRow, list[tuple[str, Cell]]]]:
        """Each row with its (column heading, cell) pairs, for a table's cells."""
        return [(row, list(zip(self.columns, row.cells, strict=True))) for row in self.rows]

    def bars(self) -> list[Bar]:
        """The chart's bars, one a cell, from the same numbers as the table: a bar's
        ``percent`` of the table's largest value (a whole number, 0 to 100)."""
        largest = self.largest
        return [
            Bar(
                label=row.label,
                column=column,
                column_index=index,
                value=cell.value,
                percent=round(100 * cell.value / largest),
                tone=cell.tone,
            )
            for row in self.rows
            for index, (column, cell) in enumerate(zip(self.columns, row.cells, strict=True))
        ]

    @property
    def is_empty(self) -> bool:
        return not any(c.value for r in self.rows for c in r.cells)


@dataclass(frozen=True)
class SectionFigures:
    """What a section's ``build`` returns: a few key figures (the home page and the top
    of the overview show them) and its tables."""

    key_figures: tuple[Figure, ...] = ()
    tables: tuple[FigureTable, ...] = ()
    notes: tuple[str, ...] = ()


Build = Callable[[Any, Period], SectionFigures | None]


@dataclass(frozen=True)
class OverviewSection:
    key: str
    title: str
    order: int
    build: Build
    summary: Build | None = None  # the key figures alone, cheaply (the home page)


@dataclass(frozen=True)
class BuiltSection:
    key: str
    title: str
    figures: SectionFigures


_SECTIONS: dict[str, OverviewSection] = {}


def register_overview_section(
    key: str, *, title: str, order: int, build: Build, summary: Build | None = None
) -> None:
    """Add a section to the overview: ``key`` (1 to 50 characters of letters, digits,
    ``-`` and ``_``; it names the section's anchor and its XLSX sheet), its ``title``,
    its place (``order``: lower first; actions are 10) and ``build(user, period)``
    returning a :class:`SectionFigures` or None; optionally ``summary(user, period)``,
    the same key figures without the tables, for the home page (see the module's
    docstring). Registering a key again replaces it (``ready()`` may run twice in
    tests)."""
    if not key or len(key) > 50 or not all(ch.isalnum() or ch in "-_" for ch in key):
        raise ValueError("A section's key must be 1 to 50 letters, digits, - or _")
    if not title:
        raise ValueError(f"Overview section {key}: a title is required")
    if not callable(build):
        raise TypeError(f"Overview section {key}: build must be callable")
    if summary is not None and not callable(summary):
        raise TypeError(f"Overview section {key}: summary must be callable")
    _SECTIONS[key] = OverviewSection(
        key=key, title=title, order=order, build=build, summary=summary
    )


def unregister_overview_section(key: str) -> None:
    """For tests."""
    _SECTIONS.pop(key, None)


def overview_sections() -> list[OverviewSection]:
    return sorted(_SECTIONS.values(), key=lambda s: (s.order, s.key))


def build_overview(
    user: Any, period: Period | None = None, *, only: Sequence[str] | None = None
) -> list[BuiltSection]:
    """Every registered section's figures for ``user`` (those returning None left out),
    in order; ``only`` limits it to those keys."""
    return _built(user, period, only, summary=False)


def build_overview_summary(
    user: Any, period: Period | None = None, *, only: Sequence[str] | None = None
) -> list[BuiltSection]:
    """Every registered section's key figures for ``user``, as the home page shows them:
    each section's ``summary`` where it has one (no tables), its ``build`` otherwise."""
    return _built(user, period, only, summary=True)


def _built(
    user: Any, period: Period | None, only: Sequence[str] | None, *, summary: bool
) -> list[BuiltSection]:
    period = period or Period.ending()
    built = []
    for section in overview_sections():
        if only is not None and section.key not in only:
            continue
        build = (section.summary or section.build) if summary else section.build
        figures = build(user, period)
        if figures is not None:
            built.append(BuiltSection(key=section.key, title=section.title, figures=figures))
    return built
