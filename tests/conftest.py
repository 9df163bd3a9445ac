"""Personas, per agency, in the style of healthchecks' Alice, Bob and Charlie:

* agency A (children's social care): ``alice`` is its agency lead, ``bob`` its
  practitioner, ``ann`` its designated lead and ``amy`` its auditor;
* agency B (police): ``charlie`` is its agency lead and must never see agency A's records;
* partnership roles: ``chair``, ``manager`` (partnership manager), ``li`` (Learning and
  Improvement group).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.apps import apps
from django.contrib.auth.models import Group
from django.db.models.signals import post_migrate
from django.test import Client

from agencies.grants import ensure_partnership_groups
from agencies.models import AgencyKind, Role
from agencies.roles import PARTNERSHIP_ROLE_PERMISSIONS, PartnershipRole
from agencies.selectors import agency_grants
from agencies.signals import _create_groups
from tests.factories import PASSWORD, AgencyFactory, UserFactory, member

# -- partnership groups: seeded once per migrate or flush -------------------------------
APP_RECEIVER = "agencies.ensure_partnership_groups"
TEST_RECEIVER = "tests.partnership_groups_once"


def _last_app_migrated() -> Any:
    """The app whose post_migrate comes last (every app's permissions exist by then)."""
    return [config for config in apps.get_app_configs() if config.models_module][-1]


def _seed_groups_once(sender: Any, **kwargs: Any) -> None:
    # The app's own receiver re-applies the groups after each app's post_migrate (its
    # permissions may have just been created): 28 times per migrate, and per flush of a
    # transactional test. All permissions exist after the last app's; seed there, once.
    if sender is _last_app_migrated():
        ensure_partnership_groups()


@pytest.fixture(scope="session")
def _partnership_groups_once_per_migrate() -> Iterator[None]:
    """For the run, swap the app's post_migrate receiver for one that seeds the groups
    after the last app only; put it back at the end."""
    swapped = post_migrate.disconnect(dispatch_uid=APP_RECEIVER)
    post_migrate.connect(_seed_groups_once, dispatch_uid=TEST_RECEIVER, weak=False)
    yield
    post_migrate.disconnect(dispatch_uid=TEST_RECEIVER)
    if swapped:
        post_migrate.connect(_create_groups, dispatch_uid=APP_RECEIVER)


@pytest.fixture(scope="session")
def django_db_setup(
    _partnership_groups_once_per_migrate, django_db_setup, django_db_blocker
) -> Iterator[None]:
    """pytest-django's test database, migrated with the groups seeded once (the receiver
    swapped in before it is created). A transactional test's teardown flushes every
    table and sends post_migrate, which seeds them once more for the next test."""
    with django_db_blocker.unblock():
        if Group.objects.filter(name__in=PARTNERSHIP_ROLE_PERMISSIONS).count() < len(
            PARTNERSHIP_ROLE_PERMISSIONS
        ):
            ensure_partnership_groups()  # a database kept from a run without them
    yield


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
    """A client signed in as ``user``, whose access this process already keeps (as after
    a first page: ``agencies.stamps``), so that a query count measures the page, not
    whether it was the first."""
    client = Client()
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    agency_grants(type(user).objects.get(pk=user.pk))
    return client


@pytest.fixture
def as_user():
    return login


@pytest.fixture
def password():
    return PASSWORD
