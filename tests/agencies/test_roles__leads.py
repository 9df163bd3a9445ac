"""Issue 9, "Who may lead comes from permissions": a designated safeguarding lead holds
``update_action`` and ``sign_off_action`` on their agency (a school has only its DSL), so
the one rule (``agencies.selectors``) counts them among those who may lead; the other
roles below them still may not."""

from __future__ import annotations

import pytest

from agencies.models import Role
from agencies.roles import AGENCY_ROLE_PERMISSIONS, roles_holding
from agencies.selectors import members_holding, members_with, user_can


def test_the_designated_lead_may_lead_and_sign_off():
    perms = AGENCY_ROLE_PERMISSIONS[Role.DESIGNATED_LEAD]
    assert {"update_action", "sign_off_action"} <= perms
    for role in (Role.PRACTITIONER, Role.MANAGER, Role.AUDITOR):
        assert not {"update_action", "sign_off_action"} & AGENCY_ROLE_PERMISSIONS[role]
    assert roles_holding("update_action") == ["Agency lead", "Designated safeguarding lead"]
    assert roles_holding("complete_audit_form") == ["Auditor"]


@pytest.mark.django_db
def test_the_grants_follow(agency_a, agency_b, alice, ann, bob, amy, charlie):
    for perm in ("update_action", "sign_off_action"):
        assert user_can(ann, perm, agency_a)
        assert not user_can(ann, perm, agency_b)
        assert not user_can(bob, perm, agency_a)
    assert set(members_with(agency_a, "update_action")) == {alice, ann}
    assert set(members_holding("sign_off_action", [agency_a.pk])[agency_a.pk]) == {alice, ann}
