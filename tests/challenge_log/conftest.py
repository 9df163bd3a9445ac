from __future__ import annotations

import pytest

from agencies.models import Role
from tests.factories import member


@pytest.fixture
def dan(agency_b):
    """A practitioner of agency B (police): answers at stage 1."""
    return member(agency_b, Role.PRACTITIONER, "dan")


@pytest.fixture
def molly(agency_b):
    """A manager of agency B: answers at stage 2."""
    return member(agency_b, Role.MANAGER, "molly")


@pytest.fixture
def agency_c(db):
    from tests.factories import AgencyFactory

    return AgencyFactory(name="Royal Free London NHS Foundation Trust", kind="health_provider")
