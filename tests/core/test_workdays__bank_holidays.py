"""Working days in England against the real 2026 bank holidays: Good Friday 3 April,
Easter Monday 6 April, Christmas Day Friday 25 December and the Boxing Day substitute,
Monday 28 December (Boxing Day itself falls on a Saturday)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from core.workdays import add_working_days, is_working_day, working_days_between

GOOD_FRIDAY = date(2026, 4, 3)
EASTER_MONDAY = date(2026, 4, 6)
CHRISTMAS = date(2026, 12, 25)
BOXING_DAY_SUBSTITUTE = date(2026, 12, 28)


@pytest.mark.parametrize(
    "day",
    [GOOD_FRIDAY, EASTER_MONDAY, CHRISTMAS, BOXING_DAY_SUBSTITUTE, date(2027, 1, 1)],
)
def test_bank_holidays_are_not_working_days(day):
    assert day.weekday() < 5  # a weekday, so only the bank holiday rule can exclude it
    assert not is_working_day(day)


def test_weekends_are_not_working_days_and_ordinary_weekdays_are():
    assert not is_working_day(date(2026, 4, 4))  # Saturday
    assert not is_working_day(date(2026, 4, 5))  # Sunday
    assert is_working_day(date(2026, 4, 2))  # Maundy Thursday is a working day
    assert is_working_day(date(2026, 4, 7))
    assert is_working_day(date(2026, 12, 24))
    assert is_working_day(date(2026, 12, 29))


def test_easter_2026_one_working_day_after_maundy_thursday_is_the_tuesday():
    assert add_working_days(date(2026, 4, 2), 1) == date(2026, 4, 7)


def test_easter_2026_one_working_day_before_the_tuesday_is_maundy_thursday():
    assert add_working_days(date(2026, 4, 7), -1) == date(2026, 4, 2)


def test_christmas_2026_skips_christmas_the_weekend_and_the_boxing_day_substitute():
    # Thursday 24 December + 1 working day: not Fri 25 (Christmas), not the weekend,
    # not Mon 28 (Boxing Day observed) but Tuesday 29 December.
    assert add_working_days(date(2026, 12, 24), 1) == date(2026, 12, 29)
    assert add_working_days(date(2026, 12, 29), -1) == date(2026, 12, 24)


def test_across_the_new_year_2027():
    # Tue 29, Wed 30, Thu 31 December; Fri 1 January 2027 is a bank holiday; Mon 4.
    assert add_working_days(date(2026, 12, 24), 4) == date(2027, 1, 4)
    assert working_days_between(date(2026, 12, 24), date(2027, 1, 4)) == 4


def test_ten_working_days_over_easter():
    # Wed 1 April 2026 + 10 working days: Thu 2, Tue 7 .. Fri 10 (4), Mon 13 .. Thu 16 (4),
    # Fri 17 is the tenth.
    assert add_working_days(date(2026, 4, 1), 10) == date(2026, 4, 17)
    assert working_days_between(date(2026, 4, 1), date(2026, 4, 17)) == 10


def test_weekend_only():
    friday = date(2026, 3, 6)
    assert add_working_days(friday, 1) == date(2026, 3, 9)
    assert add_working_days(date(2026, 3, 9), -1) == friday
    # Saturday + 1 working day is Monday; Sunday - 1 is Friday.
    assert add_working_days(date(2026, 3, 7), 1) == date(2026, 3, 9)
    assert add_working_days(date(2026, 3, 8), -1) == friday


def test_zero_returns_the_day_itself_even_on_a_holiday():
    assert add_working_days(CHRISTMAS, 0) == CHRISTMAS
    assert working_days_between(CHRISTMAS, CHRISTMAS) == 0


def test_between_counts_working_days_after_a_up_to_and_including_b():
    assert working_days_between(date(2026, 12, 24), date(2026, 12, 29)) == 1
    # Nothing but holidays and a weekend between Christmas Eve and the substitute day.
    assert working_days_between(date(2026, 12, 24), BOXING_DAY_SUBSTITUTE) == 0
    assert working_days_between(date(2026, 4, 2), EASTER_MONDAY) == 0


def test_between_is_negative_when_b_is_before_a():
    assert working_days_between(date(2026, 12, 29), date(2026, 12, 24)) == -1
    assert working_days_between(date(2026, 4, 17), date(2026, 4, 1)) == -10


@pytest.mark.parametrize(
    "start",
    [
        date(2026, 4, 1),
        date(2026, 4, 2),
        GOOD_FRIDAY,
        date(2026, 12, 23),
        CHRISTMAS,
        date(2026, 12, 26),
        BOXING_DAY_SUBSTITUTE,
        date(2026, 5, 1),
    ],
)
@pytest.mark.parametrize("n", [-25, -10, -3, -1, 0, 1, 2, 3, 10, 25])
def test_between_is_the_inverse_of_add(start, n):
    assert working_days_between(start, add_working_days(start, n)) == n


def test_add_lands_on_a_working_day_and_steps_over_exactly_n_working_days():
    start = date(2026, 3, 30)
    for n in range(1, 60):
        end = add_working_days(start, n)
        assert is_working_day(end)
        days = [start + timedelta(days=i) for i in range(1, (end - start).days + 1)]
        assert sum(is_working_day(d) for d in days) == n


def test_going_back_from_a_bank_holiday_counts_the_working_day_landed_on():
    # Christmas Day back to Christmas Eve passes one working day (the 24th); before the
    # fix this gave 0, so the inverse property failed from any non-working start.
    assert working_days_between(CHRISTMAS, date(2026, 12, 24)) == -1
    assert working_days_between(EASTER_MONDAY, date(2026, 4, 2)) == -1
    assert working_days_between(date(2026, 3, 8), date(2026, 3, 6)) == -1  # Sunday to Friday
