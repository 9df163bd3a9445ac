from __future__ import annotations

from django.core.files.uploadedfile import SimpleUploadedFile

from actions import services
from actions.models import Action
from scr.models import Recommendation, Review, ReviewKind
from tests.factories import in_days


def make_review(
    *,
    title: str = "Child T serious case review",
    pseudonym: str = "Child T",
    kind: str = ReviewKind.SCR,
    lead_agency=None,
) -> Review:
    return Review.objects.create(
        kind=kind, title=title, pseudonym=pseudonym, lead_agency=lead_agency
    )


def make_recommendation(
    review: Review, number: int = 1, text: str = "Improve information sharing"
) -> Recommendation:
    return Recommendation.objects.create(review=review, number=number, text=text)


def make_action(
    *,
    agency,
    lead,
    by,
    source=None,
    target_in_days: int = 60,
    description: str = "Deliver neglect training to all front-line staff",
    reference: str = "",
) -> Action:
    return services.action_create(
        source=source,
        agency=agency,
        lead=lead,
        description=description,
        target_date=in_days(target_in_days),
        by=by,
        reference=reference,
    )


def pdf(name: str = "evidence.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, b"%PDF-1.4\n% test evidence\n", content_type="application/pdf")
