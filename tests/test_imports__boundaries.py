"""The loop kit's boundaries, read from the source with ``ast`` (module-level and
function-local imports alike, ``import x`` and ``from x import y``):

- ``actions/`` imports no source app: the sources register themselves with
  ``actions.sources`` in their ``AppConfig.ready()``;
- ``core/`` imports no domain app."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SOURCE_APPS = {
    "scr",
    "audits",
    "challenge_log",
    "risk_register",
    "improvement_plan",
    "scorecards",
}
DOMAIN_APPS = SOURCE_APPS | {"actions", "agencies", "workflows"}


def imported_apps(path: Path) -> set[tuple[str, int]]:
    """The top-level package of every absolute import in the file, with its line."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            found |= {(alias.name.split(".")[0], node.lineno) for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add((node.module.split(".")[0], node.lineno))
    return found


def offending(package: str, forbidden: set[str]) -> list[str]:
    return [
        f"{path.relative_to(ROOT)}:{line} imports {name}"
        for path in sorted((ROOT / package).rglob("*.py"))
        for name, line in sorted(imported_apps(path))
        if name in forbidden
    ]


def test_the_checker_sees_function_local_imports(tmp_path):
    module = tmp_path / "m.py"
    module.write_text("def f():\n    from scr.models import Review\n    import audits.x\n")
    assert imported_apps(module) == {("scr", 2), ("audits", 3)}


@pytest.mark.parametrize(
    ("package", "forbidden"),
    [("actions", SOURCE_APPS), ("core", DOMAIN_APPS)],
    ids=["actions imports no source app", "core imports no domain app"],
)
def test_boundaries(package, forbidden):
    assert offending(package, forbidden) == []
