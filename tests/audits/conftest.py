from __future__ import annotations

import pytest

from agencies.models import Role
from tests.factories import member
from tests.factories.audits import ensure_scales, qa_analyst


@pytest.fixture
def qa(db):
    ensure_scales()
    return qa_analyst()


@pytest.fixture
def bea(agency_b):
    """Agency B's (the police's) auditor."""
    return member(agency_b, Role.AUDITOR, "bea")
