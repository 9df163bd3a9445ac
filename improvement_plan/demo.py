"""The demo's improvement plan: the seed's own, loaded (no e-mail), approved by Ofsted
and the DfE, and made active; with the people its leads name."""

from __future__ import annotations

from django.contrib.auth import get_user_model

from agencies.models import Membership, Role
from core.demo import DemoContext
from improvement_plan import importing, loading, services
from improvement_plan.models import PlanState

# Leads the seed names by job, as demo people: username -> (first, last, agency or None).
# Both are agency leads of the partnership's business unit (the agency of kind
# "partnership" that owns the plan): they lead its actions and sign them off (a sign-off
# is a queue of the owning agency's leads). The actions the Chair or the partnership
# manager lead, in their partnership roles, need no such membership: their work task is
# theirs (``actions.permissions.may_update``; the work flow assigns it to them).
PEOPLE = {
    "transformation.lead": ("Joanna", "Pryce", "partnership"),
    "voice.coordinator": ("Sam", "Okafor", "partnership"),
}
LEADS = {
    "transformation lead and LSCB Chair": "transformation.lead",
    "Transformation lead and LSCb Chair": "transformation.lead",
    "Transformation lead and LSCB Chair": "transformation.lead",
    "Transformation lead Partnership manager": "transformation.lead",
    "transformation lead Partnership Manager": "transformation.lead",
    "LSCB Chair and Transformation Lead": "chair",
    "Transformation Lead, Voice of the Child coordinator": "transformation.lead",
    "Police chair for the group": "police.lead",
    "partners": "manager",
    "Consultant in Public health - Children": "health.lead",
}


def load(ctx: DemoContext) -> None:
    users = get_user_model().objects
    partnership = importing.partnership_agency()
    for username, (first, last, _) in PEOPLE.items():
        user, created = users.get_or_create(
            username=username,
            defaults={"first_name": first, "last_name": last, "email": f"{username}@example.org"},
        )
        if created:
            from agencies.demo import DEMO_PASSWORD

            user.set_password(DEMO_PASSWORD)
            user.save()
        Membership.objects.get_or_create(
            user=user, agency=partnership, defaults={"role": Role.AGENCY_LEAD}
        )
        ctx.people.setdefault(username, user)
    people = {u.username: u for u in users.filter(username__in=set(LEADS.values()))}
    leads = {text: people[name] for text, name in LEADS.items() if name in people}
    manager = ctx.people.get("manager") or users.filter(username="manager").first()
    plan = loading.load_seed_plan(by=manager, leads=leads)
    if plan.state == PlanState.DRAFT and manager is not None:
        services.plan_approve(plan=plan, by=manager, approved_by=loading.APPROVED_BY)
        services.plan_activate(plan=plan, by=manager)
    ctx.records["improvement_plan"] = plan
    ctx.say(f"Improvement plan: {plan} ({plan.get_state_display()})")
