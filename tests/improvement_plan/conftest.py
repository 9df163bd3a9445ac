from __future__ import annotations

import pytest

from agencies.models import AgencyKind, Role
from tests.factories import AgencyFactory, member
from tests.factories.improvement_plan import seed_plan


@pytest.fixture
def health(db):
    return AgencyFactory(
        name="Royal Free London NHS Foundation Trust", kind=AgencyKind.HEALTH_PROVIDER
    )


@pytest.fixture
def dana(health):
    """An agency lead of the health trust (a contributing agency of OR 5's actions)."""
    return member(health, Role.AGENCY_LEAD, "dana")


@pytest.fixture
def plan(manager, chair, charlie, agency_a, health):
    """The seed's plan, a draft: OR 5's actions led by charlie (police), with the police
    and health contributing; everything else owned by the partnership."""
    return seed_plan(manager=manager, chair=chair, police=charlie)
