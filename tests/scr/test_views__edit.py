"""The pages that correct a review and its recommendations: the partnership manager's
"Change" links, the forms filled in with what is recorded, the GOV.UK error summary,
404 for a review the user cannot see, 403 for one they see but may not change, and the
History on the review page."""

from __future__ import annotations

from datetime import date

import pytest
from django.urls import reverse

from scr import services
from scr.models import Review, ReviewChange
from tests.conftest import login
from tests.factories.actions import make_action, make_recommendation, make_review


@pytest.fixture
def review(agency_a):
    return make_review(lead_agency=agency_a)


@pytest.fixture
def rec(review):
    return make_recommendation(review, number=1, text="Improve information sharing")


def edit_url(review) -> str:
    return reverse("scr:review-edit", args=[review.pk])


def rec_edit_url(review, rec) -> str:
    return reverse("scr:recommendation-edit", args=[review.pk, rec.pk])


def review_post(review, **changes) -> dict:
    data = {
        "kind": review.kind,
        "title": review.title,
        "pseudonym": review.pseudonym,
        "lead_agency": review.lead_agency_id or "",
        "lead_reviewer": review.lead_reviewer,
        "notified_on_0": "",
        "notified_on_1": "",
        "notified_on_2": "",
        "published_on_0": "",
        "published_on_1": "",
        "published_on_2": "",
        "death_category": "",
        "summary": review.summary,
    }
    data.update(changes)
    return data


def test_the_urls():
    assert reverse("scr:review-edit", args=[3]) == "/reviews/3/edit/"
    assert reverse("scr:recommendation-edit", args=[3, 7]) == "/reviews/3/recommendations/7/edit/"


@pytest.mark.django_db
def test_the_form_shows_what_is_recorded(manager, review):
    Review.objects.filter(pk=review.pk).update(
        notified_on=date(2026, 12, 14), lead_reviewer="Jane Reviewer"
    )
    response = login(manager).get(edit_url(review))
    assert response.status_code == 200
    html = response.content.decode()
    assert '<h1 class="govuk-heading-l">Change review details</h1>' in html
    assert 'value="Child T serious case review"' in html
    assert 'value="Jane Reviewer"' in html
    # the date as a GOV.UK date input: day, month and year
    assert 'name="notified_on_0" value="14"' in html
    assert 'name="notified_on_1" value="12"' in html
    assert 'name="notified_on_2" value="2026"' in html
    assert "Save changes" in html


@pytest.mark.django_db
def test_manager_corrects_the_review_and_sees_it_in_history(manager, review):
    client = login(manager)
    response = client.post(
        edit_url(review),
        review_post(
            review,
            title="Child T serious case review 2026",
            published_on_0="3",
            published_on_1="3",
            published_on_2="2027",
            notified_on_0="14",
            notified_on_1="12",
            notified_on_2="2026",
        ),
    )
    assert response.status_code == 302
    assert response["Location"] == review.get_absolute_url()
    review.refresh_from_db()
    assert review.title == "Child T serious case review 2026"
    assert review.published_on == date(2027, 3, 3)
    assert review.rapid_review_due == date(2027, 1, 7)
    page = client.get(review.get_absolute_url())
    html = page.content.decode()
    assert "Review details updated." in html
    assert "History" in html and "Review details changed" in html
    assert "Title: Child T serious case review → Child T serious case review 2026" in html
    assert "Published: not recorded → 3 March 2027" in html
    assert "Rapid review due: not recorded → 7 January 2027" in html
    assert "7 January 2027" in html


@pytest.mark.django_db
def test_errors_use_the_error_summary_and_change_nothing(manager, review):
    client = login(manager)
    bad = client.post(
        edit_url(review),
        review_post(review, title="", pseudonym="Tommy Smith", published_on_0="31"),
    )
    assert bad.status_code == 400
    html = bad.content.decode()
    assert "<title>Error: " in html
    assert "govuk-error-summary" in html
    assert 'href="#id_title"' in html and 'href="#id_pseudonym"' in html
    assert "never a name" in html
    assert "Enter the month" in html
    # the caption still shows the review as recorded
    assert '<span class="govuk-caption-l">Child T serious case review</span>' in html
    review.refresh_from_db()
    assert (review.title, review.pseudonym) == ("Child T serious case review", "Child T")
    assert not ReviewChange.objects.exists()


@pytest.mark.django_db
def test_nothing_changed_is_an_error_for_the_whole_form(manager, review):
    response = login(manager).post(edit_url(review), review_post(review))
    assert response.status_code == 400
    html = response.content.decode()
    assert '<a href="#id_title">Nothing has changed</a>' in html
    assert not ReviewChange.objects.exists()


@pytest.mark.django_db
def test_manager_corrects_a_recommendation(manager, review, rec):
    client = login(manager)
    page = client.get(rec_edit_url(review, rec))
    assert page.status_code == 200
    assert b"Change recommendation 1" in page.content
    assert b"Improve information sharing</textarea>" in page.content
    response = client.post(
        rec_edit_url(review, rec), {"rec-number": "2", "rec-text": "Share information daily"}
    )
    assert response.status_code == 302
    assert response["Location"] == review.get_absolute_url() + "#recommendation-2"
    rec.refresh_from_db()
    assert (rec.number, rec.text) == (2, "Share information daily")
    html = client.get(review.get_absolute_url()).content.decode()
    assert "Recommendation 2 updated." in html
    assert "Recommendation 2 changed" in html
    assert "Number: 1 → 2" in html
    assert "Recommendation: Improve information sharing → Share information daily" in html


@pytest.mark.django_db
def test_recommendation_errors(manager, review, rec):
    make_recommendation(review, number=2, text="Another")
    client = login(manager)
    dup = client.post(rec_edit_url(review, rec), {"rec-number": "2", "rec-text": "x"})
    assert dup.status_code == 400
    assert services.DUPLICATE_NUMBER.encode() in dup.content
    assert b'href="#id_rec-number"' in dup.content
    empty = client.post(rec_edit_url(review, rec), {"rec-number": "1", "rec-text": ""})
    assert empty.status_code == 400 and b"Enter the recommendation" in empty.content
    same = client.post(
        rec_edit_url(review, rec), {"rec-number": "1", "rec-text": "Improve information sharing"}
    )
    assert same.status_code == 400 and b"Nothing has changed" in same.content
    rec.refresh_from_db()
    assert (rec.number, rec.text) == (1, "Improve information sharing")
    assert not ReviewChange.objects.exists()


@pytest.mark.django_db
def test_change_links_only_for_the_manager(manager, alice, chair, review, rec):
    html = login(manager).get(review.get_absolute_url()).content.decode()
    assert f'href="{edit_url(review)}#id_title"' in html
    assert 'Change<span class="govuk-visually-hidden"> lead agency</span>' in html
    assert 'Change<span class="govuk-visually-hidden"> date published</span>' in html
    assert f'href="{rec_edit_url(review, rec)}"' in html
    assert 'Change<span class="govuk-visually-hidden"> recommendation 1</span>' in html
    for user in (alice, chair):
        page = login(user).get(review.get_absolute_url())
        assert page.status_code == 200
        assert b"/edit/" not in page.content
        assert b"govuk-summary-list__actions" not in page.content


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["alice", "chair", "li"])
def test_someone_who_sees_the_review_but_may_not_change_it_gets_403(request, who, review, rec):
    client = login(request.getfixturevalue(who))
    assert client.get(review.get_absolute_url()).status_code == 200
    assert client.get(edit_url(review)).status_code == 403
    assert client.post(edit_url(review), review_post(review, title="Hacked")).status_code == 403
    assert client.get(rec_edit_url(review, rec)).status_code == 403
    assert (
        client.post(rec_edit_url(review, rec), {"rec-number": "1", "rec-text": "x"}).status_code
        == 403
    )
    review.refresh_from_db()
    rec.refresh_from_db()
    assert review.title == "Child T serious case review" and rec.text != "x"
    assert not ReviewChange.objects.exists()


@pytest.mark.django_db
def test_charlie_of_another_agency_gets_404_and_nothing_changes(charlie, review, rec):
    client = login(charlie)
    assert client.get(review.get_absolute_url()).status_code == 404
    assert client.get(edit_url(review)).status_code == 404
    assert client.post(edit_url(review), review_post(review, title="Hacked")).status_code == 404
    assert client.get(rec_edit_url(review, rec)).status_code == 404
    assert (
        client.post(rec_edit_url(review, rec), {"rec-number": "9", "rec-text": "x"}).status_code
        == 404
    )
    review.refresh_from_db()
    rec.refresh_from_db()
    assert review.title == "Child T serious case review"
    assert (rec.number, rec.text) == (1, "Improve information sharing")
    assert not ReviewChange.objects.exists()


@pytest.mark.django_db
def test_charlie_sees_the_history_of_a_review_he_holds_an_action_on(
    charlie, manager, agency_b, review, rec
):
    make_action(agency=agency_b, lead=charlie, by=manager, source=rec)
    services.recommendation_update(recommendation=rec, by=manager, text="Share daily")
    client = login(charlie)
    page = client.get(review.get_absolute_url())
    assert page.status_code == 200
    assert b"Recommendation 1 changed" in page.content
    assert client.get(edit_url(review)).status_code == 403  # sees it, may not change it


@pytest.mark.django_db
def test_a_recommendation_of_another_review_is_404(manager, review):
    other = make_review(title="Children L and M review", pseudonym="Children L and M")
    theirs = make_recommendation(other, number=1, text="Theirs")
    client = login(manager)
    url = reverse("scr:recommendation-edit", args=[review.pk, theirs.pk])
    assert client.get(url).status_code == 404
    assert client.post(url, {"rec-number": "5", "rec-text": "Moved"}).status_code == 404
    theirs.refresh_from_db()
    assert (theirs.number, theirs.text) == (1, "Theirs")
    assert client.get(reverse("scr:review-edit", args=[99999])).status_code == 404


@pytest.mark.django_db
def test_an_inactive_lead_agency_stays_offered(manager, review, agency_a):
    agency_a.is_active = False
    agency_a.save()
    client = login(manager)
    page = client.get(edit_url(review))
    assert f'<option value="{agency_a.pk}" selected>'.encode() in page.content
    response = client.post(edit_url(review), review_post(review, lead_reviewer="Jane"))
    assert response.status_code == 302
    review.refresh_from_db()
    assert review.lead_agency == agency_a and review.lead_reviewer == "Jane"


@pytest.mark.django_db
def test_history_is_empty_until_a_correction(manager, review):
    html = login(manager).get(review.get_absolute_url()).content.decode()
    assert "No corrections since the review was added." in html


def test_sign_in_required(client, db, review):
    response = client.get(edit_url(review))
    assert response.status_code == 302 and "/sign-in/" in response["Location"]
