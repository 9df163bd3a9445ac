"""``core.links.record_url`` gives what ``reverse`` gives, under any script prefix, and
refuses a route without an id or an id that is not a number."""

from __future__ import annotations

import pytest
from django.urls import NoReverseMatch, reverse, set_script_prefix

from core.links import record_url


@pytest.mark.parametrize("pk", [1, 42, 9_000_000_000])
def test_it_is_reverse(pk):
    assert record_url("actions:detail", pk) == reverse("actions:detail", args=[pk])
    assert record_url("audits:form", pk) == reverse("audits:form", args=[pk])


def test_the_script_prefix_counts():
    try:
        set_script_prefix("/safeguarding/")
        assert record_url("actions:detail", 7) == "/safeguarding/actions/7/"
    finally:
        set_script_prefix("/")
    assert record_url("actions:detail", 7) == "/actions/7/"


def test_bad_use_is_refused():
    with pytest.raises(ValueError):
        record_url("actions:detail", "7; DROP")
    with pytest.raises(NoReverseMatch):  # a route without an id
        record_url("actions:list", 7)
