"""Working days in England and Wales: weekends and bank holidays (including substitute
days, such as Monday 28 December 2026 for Boxing Day on a Saturday) are not working days.

Bank holidays come from the maintained ``holidays`` package, not a list of our own.
"""

from __future__ import annotations

from datetime import date, timedelta
from functools import lru_cache

import holidays


@lru_cache(maxsize=64)
def _bank_holidays(year: int) -> frozenset[date]:
    return frozenset(holidays.UK(subdiv="ENG", years=year).keys())


def is_working_day(day: date) -> bool:
    return day.weekday() < 5 and day not in _bank_holidays(day.year)


def add_working_days(start: date, n: int) -> date | None:
    """The date ``n`` working days after ``start`` (before it for negative ``n``), or
    None when that would be past the calendar's last day (31 December 9999) or before
    its first: a date derived from an absurd one is unknown, never an ``OverflowError``.
    ``add_working_days(d, 0)`` is ``d`` itself, working day or not."""
    step = 1 if n >= 0 else -1
    remaining = abs(n)
    day = start
    edge = date.max if step > 0 else date.min
    while remaining:
        if day == edge:
            return None
        day += timedelta(days=step)
        if is_working_day(day):
            remaining -= 1
    return day


def working_days_between(a: date, b: date) -> int:
    """The working days passed going from ``a`` to ``b``: after ``a`` up to and
    including ``b``; when ``b`` is before ``a``, minus those from ``b`` up to but
    excluding ``a`` (the days ``add_working_days`` steps over going back). So
    ``working_days_between(d, add_working_days(d, n)) == n`` for every ``n``, even
    from a weekend or a bank holiday."""
    if b == a:
        return 0
    if b < a:
        # Not -working_days_between(b, a): that counts ``a`` and not ``b``, so from
        # a bank holiday going back one working day would give 0 instead of -1.
        count = 0
        day = b
        while day < a:
            if is_working_day(day):
                count += 1
            day += timedelta(days=1)
        return -count
    count = 0
    day = a
    while day < b:
        day += timedelta(days=1)
        if is_working_day(day):
            count += 1
    return count
