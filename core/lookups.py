"""``field__in_literal=[...]``: an ``IN`` that a partial index can be chosen for on SQLite.

A partial index (``Index(..., condition=Q(state__in=[...]))``) lets a list of the open
rows walk only those rows, in order, however many finished rows the years leave. Django
writes the index's condition with the values in the SQL, but a query's ``__in`` with
bound parameters (``state IN (?, ?)``). PostgreSQL proves the query's term implies the
index's; SQLite cannot see a bound value when it plans, so it never picks the index
(https://www.sqlite.org/partialindex.html, "Queries Using Partial Indexes"): it searches
the states' index and sorts every matching row instead.

``in_literal`` is ``in`` everywhere, except that on SQLite it writes the values into the
SQL, quoted, so the term reads exactly as the index's condition does. Give it the same
values in the same order as the index (one constant for both), and only the code's own
constants: it accepts strings alone, and never a value from a request.

SQLite also needs statistics to prefer a partial index to the states' own index (without
them it guesses that an equality search on the state is cheapest). :func:`refresh_statistics`
gathers them as SQLite recommends (``ANALYZE`` within an ``analysis_limit``, a
fraction of a second at 100,000 actions): a daily scheduler sweep (``core.apps``).
PostgreSQL's autovacuum keeps its own.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db import connection
from django.db.models import Field
from django.db.models.lookups import In


class InLiteral(In):
    lookup_name = "in_literal"

    def process_rhs(self, compiler: Any, connection: Any) -> tuple[str, Any]:
        if not self.rhs_is_direct_value():
            raise TypeError("in_literal takes a list of values, not a query")
        values = [self.lhs.output_field.get_db_prep_value(v, connection) for v in self.rhs]
        if not values or not all(isinstance(v, str) for v in values):
            raise TypeError("in_literal takes a non-empty list of the code's own strings")
        if connection.vendor != "sqlite":
            return super().process_rhs(compiler, connection)
        quoted = ", ".join("'" + v.replace("'", "''") + "'" for v in values)
        return f"({quoted})", ()


def install() -> None:
    Field.register_lookup(InLiteral)


# rows of each index that ANALYZE reads: enough to tell a partial index of the open rows
# from the whole table's (https://www.sqlite.org/lang_analyze.html#approx)
ANALYSIS_LIMIT = 2000


def refresh_statistics(today: date | None = None) -> int:
    """On SQLite, refresh the planner's statistics (a scheduler sweep; nothing on
    PostgreSQL, whose autovacuum analyzes). Returns 0: it changes no record."""
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute(f"PRAGMA analysis_limit={ANALYSIS_LIMIT}")
            cursor.execute("ANALYZE")
    return 0
