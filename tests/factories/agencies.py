"""People, agencies and what ties them: every grant comes from a ``Membership`` (its
save re-derives the user's guardian grants through ``agencies.grants``) or from a
partnership group, never written by a test."""

from __future__ import annotations

from typing import Any

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission

from agencies.models import Agency, AgencyKind, ApiToken, Membership, Partnership, Role
from agencies.roles import PartnershipRole
from agencies.tokens import issue_token

PASSWORD = "correct-horse-battery-staple"


class UserFactory(factory.django.DjangoModelFactory):
    """A user; ``groups=[PartnershipRole.CHAIR, ...]`` puts them in partnership groups
    (seeded once per test run, see tests/conftest.py), ``permissions=["app.codename", ...]``
    gives them permissions of their own. Same username, same user."""

    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.org")

    @factory.post_generation
    def password(self, create, extracted, **kwargs):
        self.set_password(extracted or PASSWORD)
        if create:
            self.save(update_fields=["password"])

    @factory.post_generation
    def groups(self, create, extracted, **kwargs):
        if create and extracted:
            for name in extracted:
                self.groups.add(Group.objects.get(name=name))

    @factory.post_generation
    def permissions(self, create, extracted, **kwargs):
        """``permissions=["actions.run_learning_check", ...]``: held directly, in no group."""
        if create and extracted:
            for perm in extracted:
                app_label, codename = perm.split(".")
                self.user_permissions.add(
                    Permission.objects.get(codename=codename, content_type__app_label=app_label)
                )


class AgencyFactory(factory.django.DjangoModelFactory[Agency]):
    class Meta:
        model = Agency
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"Agency {n}")
    kind = AgencyKind.OTHER


class MembershipFactory(factory.django.DjangoModelFactory[Membership]):
    """A role in an agency; saving it grants the role's permissions on the agency."""

    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    agency = factory.SubFactory(AgencyFactory)
    role = Role.PRACTITIONER


class MemberFactory(UserFactory):
    """A user with one role in one agency, granted through a ``Membership``:
    ``MemberFactory(agency=agency_a, role=Role.AGENCY_LEAD)``."""

    agency = factory.SubFactory(AgencyFactory)
    role = Role.PRACTITIONER

    @classmethod
    def _create(cls, model_class: Any, *args: Any, **kwargs: Any) -> Any:
        agency, role = kwargs.pop("agency"), kwargs.pop("role")
        user = super()._create(model_class, *args, **kwargs)
        Membership.objects.get_or_create(user=user, agency=agency, role=role)
        return user

    @classmethod
    def _build(cls, model_class: Any, *args: Any, **kwargs: Any) -> Any:
        kwargs.pop("agency"), kwargs.pop("role")
        return super()._build(model_class, *args, **kwargs)


def member(agency: Agency, role: str, username: str | None = None, **kwargs: Any) -> Any:
    """A user with one membership (grants follow from it)."""
    return MemberFactory(
        agency=agency, role=role, **({"username": username} if username else {}), **kwargs
    )


# The partnership-wide personas the factories act as when a test names nobody: the same
# usernames as tests/conftest.py's fixtures, so a factory and a fixture share one person.
def partnership_manager() -> Any:
    return UserFactory(username="manager", groups=[PartnershipRole.PARTNERSHIP_MANAGER])


def li_member() -> Any:
    """A member of the Learning and Improvement group (reviews evidence, runs checks)."""
    return UserFactory(username="li", groups=[PartnershipRole.LEARNING_AND_IMPROVEMENT])


class PartnershipFactory(factory.django.DjangoModelFactory[Partnership]):
    """The install's one settings row (``Partnership.current()``), with the fields given."""

    class Meta:
        model = Partnership

    @classmethod
    def _create(cls, model_class: Any, *args: Any, **kwargs: Any) -> Partnership:
        partnership = Partnership.current()
        for name, value in kwargs.items():
            setattr(partnership, name, value)
        if kwargs:
            partnership.save(update_fields=list(kwargs))
        return partnership


class ApiTokenFactory(factory.django.DjangoModelFactory[ApiToken]):
    """An API token issued by ``agencies.tokens.issue_token``; the key, shown once, is
    on ``token.key``."""

    class Meta:
        model = ApiToken

    user = factory.SubFactory(UserFactory)
    name = ""

    @classmethod
    def _create(cls, model_class: Any, *args: Any, **kwargs: Any) -> ApiToken:
        token, key = issue_token(user=kwargs["user"], name=kwargs.get("name", ""))
        token.key = key  # type: ignore[attr-defined]
        return token
