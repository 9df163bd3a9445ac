"""The demo partnership's agencies and personas (registered in ``AgenciesConfig.ready``,
run by ``manage.py load_demo`` before every other demo).

Idempotent: agencies, people and memberships are looked up by name, and a persona's
password is set only when the persona is created.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from agencies.grants import ensure_partnership_groups
from agencies.models import Agency, AgencyKind, Membership, Partnership, Role
from agencies.roles import PartnershipRole
from core.demo import DemoContext

# The one password of every demo persona. Demo only: never load the demo into a live
# install (the README says so too).
DEMO_PASSWORD = "safeguarding-demo-2026"

CSC = "Barnet Children's Social Care"
POLICE = "Metropolitan Police (North West BCU)"
ICB = "NHS North Central London ICB"
ROYAL_FREE = "Royal Free London NHS Foundation Trust"
SCHOOLS = "Barnet schools"
CAMHS = "Barnet CAMHS"
PROBATION = "Probation Service (Barnet)"
VCS = "Barnet Community Together Network"

# name -> (short name, kind)
AGENCIES: dict[str, tuple[str, str]] = {
    CSC: ("Barnet CSC", AgencyKind.CHILDRENS_SOCIAL_CARE),
    POLICE: ("Met Police NW BCU", AgencyKind.POLICE),
    ICB: ("NCL ICB", AgencyKind.HEALTH_COMMISSIONER),
    ROYAL_FREE: ("Royal Free", AgencyKind.HEALTH_PROVIDER),
    SCHOOLS: ("Schools", AgencyKind.EDUCATION),
    CAMHS: ("CAMHS", AgencyKind.HEALTH_PROVIDER),
    PROBATION: ("Probation", AgencyKind.PROBATION),
    VCS: ("Community Together", AgencyKind.VOLUNTARY_SECTOR),
}


@dataclass(frozen=True)
class Persona:
    username: str
    first_name: str
    last_name: str
    groups: tuple[str, ...] = ()
    agency: str | None = None
    role: str | None = None
    superuser: bool = False


PERSONAS: list[Persona] = [
    Persona("admin", "Robin", "Hale", superuser=True),
    Persona("chair", "Margaret", "Hollis", groups=(PartnershipRole.CHAIR,)),
    Persona("manager", "Daniel", "Osei", groups=(PartnershipRole.PARTNERSHIP_MANAGER,)),
    Persona(
        "qa",
        "Priya",
        "Raman",
        groups=(PartnershipRole.QA_ANALYST, PartnershipRole.LEARNING_AND_IMPROVEMENT),
    ),
    Persona("police.lead", "Helen", "Carter", agency=POLICE, role=Role.AGENCY_LEAD),
    Persona("police.auditor", "Tom", "Whitfield", agency=POLICE, role=Role.AUDITOR),
    Persona("police.officer", "Jordan", "Blake", agency=POLICE, role=Role.PRACTITIONER),
    Persona("health.lead", "Aisha", "Khan", agency=ROYAL_FREE, role=Role.AGENCY_LEAD),
    Persona("health.auditor", "Fiona", "McLeod", agency=ROYAL_FREE, role=Role.AUDITOR),
    Persona("csc.lead", "Marcus", "Bennett", agency=CSC, role=Role.AGENCY_LEAD),
    Persona("csc.auditor", "Sarah", "Lewis", agency=CSC, role=Role.AUDITOR),
    Persona("csc.manager", "Chloe", "Adeyemi", agency=CSC, role=Role.MANAGER),
    Persona("school.dsl", "Gareth", "Evans", agency=SCHOOLS, role=Role.DESIGNATED_LEAD),
]


def load(ctx: DemoContext) -> None:
    """The partnership's groups, its agencies (``ctx.agencies``, by name) and the
    personas (``ctx.people``, by username)."""
    ensure_partnership_groups()
    Partnership.current()
    ctx.agencies.update(_agencies(ctx))
    ctx.people.update(_people(ctx))
    ctx.notes.append(
        f"Demo partnership ready. Every persona's password is {DEMO_PASSWORD!r} (demo only)."
    )


def _agencies(ctx: DemoContext) -> dict[str, Agency]:
    out = {}
    for name, (short_name, kind) in AGENCIES.items():
        out[name], created = Agency.objects.get_or_create(
            name=name, defaults={"short_name": short_name, "kind": kind}
        )
        if created:
            ctx.say(f"Agency: {name}")
    return out


def _people(ctx: DemoContext) -> dict[str, Any]:
    User = get_user_model()
    out = {}
    for p in PERSONAS:
        user, created = User.objects.get_or_create(
            username=p.username,
            defaults={
                "first_name": p.first_name,
                "last_name": p.last_name,
                "email": f"{p.username}@example.org",
                "is_staff": p.superuser,
                "is_superuser": p.superuser,
            },
        )
        if created:
            # Only when created: a second run must not reset a password someone has
            # changed (and would rewrite the hash with a new salt).
            user.set_password(DEMO_PASSWORD)
            user.save(update_fields=["password"])
            ctx.say(f"Persona: {p.username}")
        if p.groups:
            user.groups.add(*Group.objects.filter(name__in=p.groups))
        if p.agency and p.role:
            # Saving a membership syncs the user's grants on the agency (signals).
            Membership.objects.get_or_create(user=user, agency=ctx.agencies[p.agency], role=p.role)
        out[p.username] = user
    return out
