"""The Notifications page (issue 9): what was sent to me, newest first, in keyset pages of
a fixed number of queries; each with its subject, when, its status and a link to the
record; only my own, never the body; signed-in users only, linked in the navigation."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from core.models import Notification
from core.views import NOTIFICATIONS_PER_PAGE
from tests.conftest import login

URL = "/notifications/"


def queue(user, n: int, *, start: int = 0, **fields) -> list[Notification]:
    """``n`` notifications for ``user``, an hour apart, the last the newest."""
    base = timezone.now() - timedelta(days=30)
    rows = Notification.objects.bulk_create(
        Notification(
            recipient=user,
            subject=f"Subject {start + i:03d}",
            body=f"Body {start + i}",
            link=fields.get("link", f"/actions/{start + i}/"),
            status=fields.get("status", Notification.Status.SENT),
        )
        for i in range(n)
    )
    # created is auto_now_add: set it afterwards, an hour apart
    for i, row in enumerate(rows):
        Notification.objects.filter(pk=row.pk).update(created=base + timedelta(hours=start + i))
    return rows


def subjects(html: str) -> list[str]:
    return [part.split("<")[0].split(">")[-1] for part in html.split("Subject ")[1:]]


@pytest.mark.django_db
def test_the_route_is_named_and_needs_sign_in(client):
    assert reverse("notifications") == URL
    response = client.get(URL)
    assert response.status_code == 302 and "/sign-in/" in response["Location"]


@pytest.mark.django_db
def test_it_lists_only_my_own_newest_first_never_the_body(alice, charlie):
    queue(alice, 3)
    Notification.objects.create(recipient=charlie, subject="For charlie only", body="secret")
    html = login(alice).get(URL).content.decode()
    assert "Subject 002" in html and html.index("Subject 002") < html.index("Subject 000")
    assert "For charlie only" not in html
    assert "Body 1" not in html and "secret" not in html
    assert 'href="/actions/2/">Subject 002</a>' in html
    assert "<h1" in html and "Notifications</h1>" in html


@pytest.mark.django_db
def test_nothing_yet(alice):
    html = login(alice).get(URL).content.decode()
    assert "Nothing has been sent to you yet." in html


@pytest.mark.django_db
def test_each_status_in_words_with_a_tag_colour(alice):
    Notification.objects.create(recipient=alice, subject="Waiting one", body=".")
    Notification.objects.create(
        recipient=alice,
        subject="Sent one",
        body=".",
        status=Notification.Status.SENT,
        sent_at=timezone.now(),
    )
    Notification.objects.create(
        recipient=alice, subject="Failed one", body=".", status=Notification.Status.FAILED
    )
    html = login(alice).get(URL).content.decode()
    assert '<strong class="govuk-tag govuk-tag--grey">Waiting to send</strong>' in html
    assert '<strong class="govuk-tag govuk-tag--green">Sent</strong>' in html
    assert '<strong class="govuk-tag govuk-tag--red">Not sent</strong>' in html


@pytest.mark.django_db
@pytest.mark.parametrize(
    "link", ["", "https://evil.example/", "//evil.example/x", "javascript:alert(1)"]
)
def test_only_a_path_on_this_site_is_linked(alice, link):
    Notification.objects.create(recipient=alice, subject="Plain", body=".", link=link)
    html = login(alice).get(URL).content.decode()
    assert "Plain" in html and "evil" not in html and "javascript:" not in html
    assert ">Plain</a>" not in html


@pytest.mark.django_db
def test_older_pages_by_keyset_until_the_last(alice):
    queue(alice, 2 * NOTIFICATIONS_PER_PAGE + 5)
    client = login(alice)
    seen: list[str] = []
    href = URL
    pages = 0
    while href and pages < 5:
        # follow the "Older" link as written on the page (its "+00:00" encoded)
        response = client.get(href.replace("&amp;", "&"))
        assert response.status_code == 200
        html = response.content.decode()
        seen.extend(subjects(html))
        pages += 1
        href = ""
        if response.context["older"]:
            assert "%2B00%3A00" in html
            href = URL + html.split('rel="next"')[0].rsplit('href="', 1)[1].split('"')[0]
    assert pages == 3
    expected = [f"{i:03d}" for i in reversed(range(2 * NOTIFICATIONS_PER_PAGE + 5))]
    assert seen == expected


@pytest.mark.django_db
def test_same_time_ties_are_split_by_id_not_lost(alice):
    rows = queue(alice, NOTIFICATIONS_PER_PAGE + 3)
    Notification.objects.filter(pk__in=[r.pk for r in rows]).update(created=timezone.now())
    client = login(alice)
    first = client.get(URL)
    second = client.get(URL, {"before": first.context["older"]})
    names = subjects(first.content.decode()) + subjects(second.content.decode())
    assert sorted(names) == sorted(f"{i:03d}" for i in range(NOTIFICATIONS_PER_PAGE + 3))
    assert len(set(names)) == len(names)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "cursor",
    [
        "nonsense",
        "_",
        "2026-13-40T00:00:00_5",
        "2026-01-01T00:00:00_abc",
        "2026-01-01T00:00:00_99999999999999999999999",
        "2026-01-01T00:00:00",
    ],
)
def test_a_bad_cursor_shows_the_first_page(alice, cursor):
    queue(alice, 2)
    response = login(alice).get(URL, {"before": cursor})
    assert response.status_code == 200
    assert "Subject 001" in response.content.decode()


@pytest.mark.django_db
def test_a_cursor_past_the_end_says_so(alice):
    queue(alice, 2)
    response = login(alice).get(URL, {"before": "2000-01-01T00:00:00+00:00_1"})
    html = response.content.decode()
    assert response.status_code == 200 and "There are no older notifications." in html


@pytest.mark.django_db
def test_the_same_number_of_queries_for_5_and_for_80(alice, charlie):
    def count(n: int) -> int:
        Notification.objects.filter(recipient=alice).delete()
        queue(alice, n)
        client = login(alice)
        client.get(URL)  # warm: the session, the context processors' caches
        with CaptureQueriesContext(connection) as first:
            response = client.get(URL)
        assert response.status_code == 200
        with CaptureQueriesContext(connection) as older:
            client.get(URL, {"before": response.context["older"] or "x"})
        return len(first) + len(older)

    assert count(5) == count(80)
    assert count(80) <= 20


@pytest.mark.django_db
def test_it_is_in_the_navigation_and_marked_current_there(alice):
    client = login(alice)
    home = client.get("/").content.decode()
    nav = home.split('aria-label="Menu"')[1].split("</nav>")[0]
    assert f'href="{URL}"' in nav and ">Notifications<" in nav
    page = client.get(URL).content.decode()
    nav = page.split('aria-label="Menu"')[1].split("</nav>")[0]
    assert f'href="{URL}" aria-current="page"' in nav


@pytest.mark.django_db
def test_the_table_reflows_on_a_phone(alice):
    queue(alice, 1)
    html = login(alice).get(URL).content.decode()
    assert "app-table--responsive" in html
    for label in ("Subject", "When", "Status"):
        assert f'data-label="{label}"' in html


@pytest.mark.django_db
def test_someone_who_left_the_agency_no_longer_sees_its_notifications(agency_a, alice, manager):
    from tests.factories.actions import make_action

    action = make_action(agency=agency_a, lead=alice, by=manager, reference="LM9.9")
    from actions import services

    services.action_ask_extension(
        action=action, by=alice, new_target_date=action.target_date + timedelta(days=30), reason="x"
    )
    services.action_decide_extension(action=action, by=manager, decision="refuse", reason="No")
    Notification.objects.create(recipient=alice, subject="About no agency", body=".")
    client = login(alice)
    assert "Extension refused for Action LM9.9" in client.get(URL).content.decode()
    assert Notification.objects.get(recipient=alice, subject__startswith="Extension").agency_pk == (
        agency_a.pk
    )
    alice.memberships.all().delete()
    html = login(alice).get(URL).content.decode()
    assert "LM9.9" not in html and "About no agency" in html
