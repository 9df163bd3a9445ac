"""Personas, per agency, in the style of healthchecks' Alice, Bob and Charlie:

* agency A (children's social care): ``alice`` is its agency lead, ``bob`` its
  practitioner, ``ann`` its designated lead and ``amy`` its auditor;
* agency B (police): ``charlie`` is its agency lead and must never see agency A's records;
* partnership roles: ``chair``, ``manager`` (partnership manager), ``li`` (Learning and
  Improvement group).
"""

from __future__ import annotations

import pytest
from django.test import Client

from agencies.models import AgencyKind, Role
from agencies.roles import PartnershipRole
from tests.factories import PASSWORD, AgencyFactory, UserFactory, member


@pytest.fixture
def agency_a(db):
    return AgencyFactory(
        name="Barnet Children's Social Care", kind=AgencyKind.CHILDRENS_SOCIAL_CARE
    )


@pytest.fixture
def agency_b(db):
    return AgencyFactory(name="Metropolitan Police (North West BCU)", kind=AgencyKind.POLICE)


@pytest.fixture
def alice(agency_a):
    return member(agency_a, Role.AGENCY_LEAD, "alice")


@pytest.fixture
def bob(agency_a):
    return member(agency_a, Role.PRACTITIONER, "bob")


@pytest.fixture
def ann(agency_a):
    return member(agency_a, Role.DESIGNATED_LEAD, "ann")


@pytest.fixture
def amy(agency_a):
    return member(agency_a, Role.AUDITOR, "amy")


@pytest.fixture
def charlie(agency_b):
    return member(agency_b, Role.AGENCY_LEAD, "charlie")


@pytest.fixture
def chair(db):
    return UserFactory(username="chair", groups=[PartnershipRole.CHAIR])


@pytest.fixture
def manager(db):
    return UserFactory(username="manager", groups=[PartnershipRole.PARTNERSHIP_MANAGER])


@pytest.fixture
def li(db):
    return UserFactory(username="li", groups=[PartnershipRole.LEARNING_AND_IMPROVEMENT])


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    """Evidence files written by tests go to a throw-away folder."""
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """A password hash costs ~0.3 s with the production hasher; tests need no strength."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def login(user) -> Client:
    client = Client()
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return client


@pytest.fixture
def as_user():
    return login


@pytest.fixture
def password():
    return PASSWORD
