"""The transcription in improvement_plan/seed/ holds what the seed document holds: every
objective, line, reference, action, milestone, lead and outcome measure, counted against
the seed's own table (so a row dropped in transcription is caught)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from improvement_plan import loading

SEED = Path(__file__).resolve().parents[3] / "shared" / "seed" / "barnet-improvement-plan.txt"


def _items(cell: str) -> list[str]:
    """A numbered list's items, numbers rising (so "6 month" inside an item is text)."""
    text = re.sub(r"<[^>]+>", " ", cell)
    found, last = [], 0
    for m in re.finditer(r"(?:^|(?<=\s))(\d{1,2})\.\s", text):
        n = int(m.group(1))
        if last < n <= last + 3:
            found.append((n, m.end()))
            last = n
    return [
        " ".join(
            text[
                start : (found[i + 1][1] - len(str(found[i + 1][0])) - 2)
                if i + 1 < len(found)
                else None
            ].split()
        )
        for i, (_, start) in enumerate(found)
    ]


def _measures(cell: str) -> int:
    text = re.sub(r"<[^>]+>", " ", cell)
    letters = re.findall(r"(?:^|\s)[a-h]\)\s", text)
    return len(letters) or len(_items(cell))


def seed_rows() -> list[dict[str, object]]:
    """The seed's table, one dict per line (OC para 24's sub-parts apart)."""
    if not SEED.exists():
        pytest.skip("the seed document is not beside the checkout")
    text = SEED.read_text(encoding="utf-8")
    table = text[
        text.index("Ofsted recommendation (OR), Comment") : text.index("Performance Framework")
    ]
    rows: list[dict[str, object]] = []
    objective = 0
    provenance = ""
    for raw in table.splitlines()[1:]:
        cells = [c.strip() for c in raw.split("\t")]
        if not any(cells) or set("".join(cells)) <= {"-", " "}:
            continue
        m = re.match(r"Objective (\d+)", cells[0])
        if m:
            objective = int(m.group(1))
            continue
        cells += [""] * (7 - len(cells))
        if not _items(cells[2]):
            continue  # a wrapped cell's tail ("of the Board's work")
        provenance = cells[0] or provenance
        rows.append(
            {
                "objective": objective,
                "provenance": provenance,
                "actions": len(_items(cells[2])),
                "milestones": [" ".join(t.split()) for t in _items(cells[3])],
                "lead": " ".join(cells[4].split()),
                "measures": _measures(cells[5]),
            }
        )
    return rows


def transcription_rows() -> list[dict[str, object]]:
    parsed = loading.seed_plan()
    assert not parsed.problems
    return [
        {
            "objective": line.objective,
            "provenance": line.provenance_text,
            "actions": len(line.actions),
            "milestones": [m.milestone.text for a in line.actions for m in a.milestones],
            "lead": line.lead_text,
            "measures": len(line.measures),
        }
        for line in parsed.lines
    ]


def test_the_transcription_holds_every_line_as_the_seed_has_it():
    seed, ours = seed_rows(), transcription_rows()
    assert len(seed) == len(ours) == 16
    for theirs, mine in zip(seed, ours, strict=True):
        assert mine == theirs


def test_the_totals():
    parsed = loading.seed_plan()
    assert sorted(parsed.objectives) == [1, 2, 3, 4, 5, 6]  # objective 4 has no rows
    assert {line.objective for line in parsed.lines} == {1, 2, 3, 5, 6}
    assert parsed.action_count == 63
    assert sum(len(line.refs) for line in parsed.lines) == 26
    written = {
        (id(line), a.number, m.position)
        for line in parsed.lines
        for a in line.actions
        for m in a.milestones
    }
    assert len(written) == 58


def test_the_objective_4_column_is_outcome_measures():
    parsed = loading.seed_plan()
    first = parsed.lines[0]
    assert first.measures[0] == "a) increase in effectiveness of early help"
    assert 4 not in {line.objective for line in parsed.lines}


def test_oc_para_24s_parts_keep_their_own_actions():
    parsed = loading.seed_plan()
    parts = [line for line in parsed.lines if line.provenance_text == "OC para 24"]
    assert [(p.sub_part, p.sub_part_text, len(p.actions)) for p in parts] == [
        ("a", "An effective business unit", 1),
        ("b", "Communications", 2),
        ("c", "Wider networks", 2),
    ]
    assert [str(p.refs[0]) for p in parts] == ["OC para 24 a", "OC para 24 b", "OC para 24 c"]


def test_several_references_on_one_line():
    parsed = loading.seed_plan()
    refs = {line.provenance_text: [str(r) for r in line.refs] for line in parsed.lines}
    assert refs["OR 5 and LR 2,4"] == ["OR 5", "LR 2", "LR 4"]
    assert refs["OC para 13 and LR para 8"] == ["OC para 13", "LR para 8"]
    assert refs["OC para 11, para 16 and LR"] == ["OC para 11", "OC para 16", "LR"]
