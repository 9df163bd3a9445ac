"""Reading a plan's cells as the seed writes them: numbered lists ("1. ... 2. ..."),
milestones ("July 17", "April-June 18", "from Sept 17", "Oct 17, Feb 18"), provenance
("OR 5 and LR 2,4", "OC para 13 and LR para 8", "OC para 11, para 16 and LR") and leads
("LSCB Chair and Partnership manager"). Pure functions: no database."""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date

MONTHS = {name[:3].casefold(): number for number, name in enumerate(calendar.month_name) if number}
_MONTH = r"(?P<{0}>jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?"
_YEAR = r"(?P<{0}>\d{{4}}|\d{{2}})"


def _year(text: str) -> int:
    value = int(text)
    return value + 2000 if value < 100 else value


def _month_end(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


@dataclass(frozen=True)
class ParsedMilestone:
    """One milestone as written, and its dates: ``dates`` holds one (starts_on, due_on)
    per checkpoint (two for "Oct 17, Feb 18")."""

    text: str
    kind: str  # actions.models.MilestoneKind values
    dates: tuple[tuple[date | None, date | None], ...]


_MONTH_YEAR = re.compile(rf"^{_MONTH.format('m')}\s*{_YEAR.format('y')}$", re.IGNORECASE)
_RANGE = re.compile(
    rf"^{_MONTH.format('m1')}\s*(?:{_YEAR.format('y1')})?\s*(?:-|\u2013|to)\s*"
    rf"{_MONTH.format('m2')}\s*{_YEAR.format('y2')}$",
    re.IGNORECASE,
)
_DAY = re.compile(
    rf"^(?P<d>\d{{1,2}})(?:st|nd|rd|th)?\s+{_MONTH.format('m')}\s*{_YEAR.format('y')}$",
    re.IGNORECASE,
)
_NUMERIC = re.compile(r"^(?P<d>\d{1,2})/(?P<m>\d{1,2})/(?P<y>\d{2}|\d{4})$")
_ISO = re.compile(r"^(?P<y>\d{4})-(?P<m>\d{2})-(?P<d>\d{2})$")


def _one(text: str) -> tuple[str, date | None, date | None] | None:
    """(kind, starts_on, due_on) of a single date expression, or None."""
    text = " ".join(text.split()).strip(" .;")
    if m := _ISO.match(text) or _NUMERIC.match(text):
        day = date(_year(m["y"]), int(m["m"]), int(m["d"]))
        return "day", day, day
    if m := _DAY.match(text):
        day = date(_year(m["y"]), MONTHS[m["m"][:3].casefold()], int(m["d"]))
        return "day", day, day
    if m := _MONTH_YEAR.match(text):
        year, month = _year(m["y"]), MONTHS[m["m"][:3].casefold()]
        return "month", date(year, month, 1), _month_end(year, month)
    if m := _RANGE.match(text):
        end_year = _year(m["y2"])
        first, last = MONTHS[m["m1"][:3].casefold()], MONTHS[m["m2"][:3].casefold()]
        start_year = _year(m["y1"]) if m["y1"] else (end_year if first <= last else end_year - 1)
        return "range", date(start_year, first, 1), _month_end(end_year, last)
    if text.casefold().startswith("from "):
        found = _one(text[5:])
        if found is not None:
            return "open_start", found[1], None
    return None


def parse_milestone(text: str) -> ParsedMilestone | None:
    """A milestone as written, or None when it cannot be read as dates."""
    clean = " ".join(text.split()).strip(" .;")
    if not clean:
        return None
    found = _one(clean)
    if found is not None:
        kind, starts, due = found
        return ParsedMilestone(clean, kind, ((starts, due),))
    parts = [p for p in re.split(r"\s*(?:,|;|\band\b|&)\s*", clean) if p]
    if len(parts) >= 2:
        read = [_one(p) for p in parts]
        if all(r is not None for r in read):
            return ParsedMilestone(
                clean, "dates", tuple((r[1], r[2]) for r in read if r is not None)
            )
    return None


# -- numbered lists ----------------------------------------------------------------------
_ITEM = re.compile(r"(?:^|(?<=\s))(\d{1,2})\s*[.)]\s+")
_LETTER = re.compile(r"(?:^|(?<=\s))([a-h])\)\s+")


def numbered(text: str) -> list[tuple[int, str]]:
    """The items of a numbered list ("1. a 2. b", one a line or inline), each with its
    number as written; a cell with no numbers is one item numbered 1. Numbers must rise,
    so "within 6 months" inside an item is not read as an item."""
    text = text.strip()
    if not text:
        return []
    starts: list[tuple[int, int, int]] = []  # (number, match start, text start)
    last = 0
    for m in _ITEM.finditer(text):
        number = int(m.group(1))
        if number > last and (not starts or number <= last + 3):
            starts.append((number, m.start(), m.end()))
            last = number
    if not starts or (starts[0][1] > 0 and text[: starts[0][1]].strip()):
        return [(1, " ".join(text.split()))]
    items = []
    for i, (number, _, begin) in enumerate(starts):
        end = starts[i + 1][1] if i + 1 < len(starts) else len(text)
        items.append((number, " ".join(text[begin:end].split())))
    return items


def lettered_or_numbered(text: str) -> list[str]:
    """Outcome measures: "a) ... b) ..." or "1. ... 2. ...", each kept as written with its
    label."""
    text = text.strip()
    if not text:
        return []
    letters = list(_LETTER.finditer(text))
    if letters and letters[0].start() == 0:
        bounds = [m.start() for m in letters] + [len(text)]
        return [" ".join(text[bounds[i] : bounds[i + 1]].split()) for i in range(len(letters))]
    items = numbered(text)
    if len(items) == 1 and not _ITEM.match(text):
        return [" ".join(text.split())]
    return [f"{n}. {t}" for n, t in items]


def sub_parts(text: str) -> list[tuple[str, str]]:
    """A recommendation's sub-parts: "... a) An effective business unit b) ..." ->
    [("a", "An effective business unit"), ...]."""
    letters = list(_LETTER.finditer(text))
    out = []
    for i, m in enumerate(letters):
        end = letters[i + 1].start() if i + 1 < len(letters) else len(text)
        out.append((m.group(1), " ".join(text[m.end() : end].split())))
    return out


# -- provenance --------------------------------------------------------------------------
@dataclass(frozen=True)
class Reference:
    kind: str  # OR, OC, LR
    number: int | None
    paragraph: bool = False
    sub_part: str = ""

    def __str__(self) -> str:
        bits = [self.kind, "para" if self.paragraph else "", str(self.number or ""), self.sub_part]
        return " ".join(b for b in bits if b)


_TOKEN = re.compile(r"\b(OR|OC|LR)\b|\bpara(?:graph)?s?\b|\d+|\b[a-h]\b", re.IGNORECASE)


def parse_provenance(text: str) -> list[Reference]:
    """The references of a provenance cell, in order; [] when it names none."""
    refs: list[Reference] = []
    kind: str | None = None
    paragraph = False
    for m in _TOKEN.finditer(text):
        token = m.group(0)
        upper = token.upper()
        if upper in ("OR", "OC", "LR"):
            if (
                kind is not None
                and not any(r.kind == kind for r in refs[-1:])
                and not _has(refs, kind)
            ):
                refs.append(Reference(kind, None))
            kind, paragraph = upper, False
            # "LR" alone (no number follows) is a reference to the review as a whole
            following = text[m.end() :].lstrip()
            if not re.match(r"(para|\d)", following, re.IGNORECASE):
                refs.append(Reference(kind, None))
        elif token.casefold().startswith("para"):
            paragraph = True
        elif token.isdigit() and kind is not None:
            refs.append(Reference(kind, int(token), paragraph))
        elif kind is not None and refs and len(token) == 1:
            last = refs[-1]
            refs[-1] = Reference(last.kind, last.number, last.paragraph, token.casefold())
    return refs


def _has(refs: list[Reference], kind: str) -> bool:
    return any(r.kind == kind for r in refs)


# -- leads -------------------------------------------------------------------------------
def lead_parts(text: str) -> list[str]:
    """ "LSCB Chair and Partnership manager" -> ["LSCB Chair", "Partnership manager"]."""
    parts = re.split(r"\s*(?:,|;|/|\band\b|&)\s*", " ".join(text.split()))
    return [p for p in parts if p]
