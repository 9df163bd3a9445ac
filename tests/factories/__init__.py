"""factory-boy factories for every app's records, one module per app:

* ``agencies``: ``UserFactory`` (``groups=[...]`` for partnership roles),
  ``AgencyFactory``, ``MembershipFactory``, ``MemberFactory`` / ``member()`` (a user with a
  role in an agency, granted through the membership), ``PartnershipFactory``,
  ``ApiTokenFactory``;
* ``scr``: ``ReviewFactory`` (``cdop=True``), ``RecommendationFactory``,
  ``ModifiableFactorFactory``, ``DeathCategoryFactory``, ``ReviewChangeFactory``;
* ``actions``: ``ActionFactory(state=...)`` and ``walk_to(action, state)``, through
  ``actions.services``; ``EvidenceItemFactory``, ``ProgressUpdateFactory``,
  ``LearningCheckFactory``, ``ActionChangeFactory``;
* ``core``: ``NotificationFactory``, ``FormSubmissionFactory``, ``in_days``;
* ``workflows``: ``SweepRunFactory`` (tasks come from the flows, not from a factory);
* ``challenge_log``: ``make_challenge``, ``respond``, ``walk_challenge_to`` (through
  ``challenge_log.services``).
* ``audits`` (import from ``tests.factories.audits``): ``make_version``, ``make_audit``
  (through ``audits.services``, forms open), ``fill`` / ``submitted`` / ``accepted``,
  ``qa_analyst``, ``ensure_scales``.
"""

from __future__ import annotations

from tests.factories.agencies import (
    PASSWORD,
    AgencyFactory,
    ApiTokenFactory,
    MemberFactory,
    MembershipFactory,
    PartnershipFactory,
    UserFactory,
    li_member,
    member,
    partnership_manager,
)
from tests.factories.core import FormSubmissionFactory, NotificationFactory, in_days
from tests.factories.scr import (
    DeathCategoryFactory,
    ModifiableFactorFactory,
    RecommendationFactory,
    ReviewChangeFactory,
    ReviewFactory,
)
from tests.factories.workflows import SweepRunFactory

# last: it builds on all of the above
from tests.factories.actions import (  # isort: skip
    ActionChangeFactory,
    ActionFactory,
    EvidenceItemFactory,
    LearningCheckFactory,
    ProgressUpdateFactory,
    walk_to,
)
from tests.factories.challenge_log import (  # isort: skip
    make_challenge,
    respond,
    walk_challenge_to,
)

__all__ = [
    "PASSWORD",
    "ActionChangeFactory",
    "ActionFactory",
    "AgencyFactory",
    "ApiTokenFactory",
    "DeathCategoryFactory",
    "EvidenceItemFactory",
    "FormSubmissionFactory",
    "LearningCheckFactory",
    "MemberFactory",
    "MembershipFactory",
    "ModifiableFactorFactory",
    "NotificationFactory",
    "PartnershipFactory",
    "ProgressUpdateFactory",
    "RecommendationFactory",
    "ReviewChangeFactory",
    "ReviewFactory",
    "SweepRunFactory",
    "UserFactory",
    "in_days",
    "li_member",
    "make_challenge",
    "member",
    "partnership_manager",
    "respond",
    "walk_challenge_to",
    "walk_to",
]
