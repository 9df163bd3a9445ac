"""The import page (check and preview, then import the kept file without uploading it
again, all-or-nothing) and the export downloads."""

from __future__ import annotations

import io
import re
from datetime import timedelta
from pathlib import Path

import openpyxl
import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from actions import importing
from actions.models import Action
from actions.views import IMPORT_CHECK_EXPIRED, PENDING_IMPORTS
from agencies.roles import PartnershipRole
from scr.models import Recommendation
from tests.conftest import login
from tests.factories import UserFactory
from tests.factories.actions import make_action, make_recommendation, make_review

URL = "/actions/import/"
HEADER = "Review,Recommendation no.,Recommendation,Action ref,Action,Agency,Lead,Target date\n"
LONG = (
    "Deliver neglect training to every front-door social worker, including the Graded "
    "Care Profile 2 and the escalation policy, before the next audit"
)


def plan_csv(rows, name="plan.csv"):
    return SimpleUploadedFile(name, (HEADER + "".join(rows)).encode(), "text/csv")


def kept_files() -> list[Path]:
    folder = Path(settings.MEDIA_ROOT) / importing.UPLOAD_DIR
    return sorted(folder.iterdir()) if folder.exists() else []


def token_of(response) -> str:
    match = re.search(rb'name="token" value="([0-9a-f]+)"', response.content)
    assert match, "no import button with a token on the page"
    return match.group(1).decode()


def text_of(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))


@pytest.fixture
def review(agency_a, alice):
    alice.first_name, alice.last_name = "Alice", "Okafor"
    alice.save()
    review = make_review(lead_agency=agency_a)
    make_recommendation(review, 1, "Share information")
    return review


@pytest.fixture
def rows(review, agency_a):
    return [
        f"{review.title},1,,1.1,Train staff,{agency_a.name},alice,31/03/2027\n",
        f'{review.title},2,Think family,2.1,"{LONG}",{agency_a.name},Alice Okafor,2027-04-30\n',
    ]


def check(client, rows, **extra):
    return client.post(URL, {"plan": plan_csv(rows), **extra})


@pytest.mark.django_db
def test_check_shows_a_preview_and_the_import_needs_no_second_upload(manager, alice, rows):
    client = login(manager)
    checked = check(client, rows)
    assert checked.status_code == 200
    assert not Action.objects.exists()
    text = text_of(checked)
    assert "All 2 rows can be imported" in text
    assert "Check the actions before you import them" in text
    token = token_of(checked)
    # the file is kept server-side, named by the token, and the session remembers it
    [kept] = kept_files()
    assert kept.name == f"{token}.csv"
    entry = client.session[PENDING_IMPORTS][token]
    assert entry["path"] == f"imports/{token}.csv" and entry["filename"] == "plan.csv"
    assert entry["checked_at"]

    done = client.post(URL, {"token": token, "step": "import"})  # no file this time
    assert done.status_code == 200
    assert "Action plan imported" in text_of(done) and "2 actions created" in text_of(done)
    assert reverse("actions:list") in done.content.decode()
    assert sorted(Action.objects.values_list("reference", flat=True)) == ["1.1", "2.1"]
    assert Action.objects.get(reference="2.1").description == LONG
    # the kept file and the session's note of it are gone
    assert kept_files() == []
    assert PENDING_IMPORTS not in client.session


@pytest.mark.django_db
def test_the_preview_shows_what_each_row_creates(manager, rows):
    checked = check(login(manager), rows)
    table = checked.content.decode().split('id="preview"')[1].split("</table>")[0]
    cells = [
        re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", cell)).strip()
        for cell in re.findall(r'<td class="govuk-table__cell[^"]*">(.*?)</td>', table, re.S)
    ]
    review = "Child T serious case review"
    agency = "Barnet Children's Social Care".replace("'", "&#x27;")
    first, second = cells[:8], cells[8:]
    assert first == ["2", review, "1", "1.1", "Train staff", agency, "Alice Okafor", "31 Mar 2027"]
    # recommendation 2 is new; the long description is cut at a word, with an ellipsis
    assert second[:4] == ["3", review, "2 New", "2.1"]
    assert second[4].endswith("…") and len(second[4]) <= 90
    assert LONG.startswith(second[4][:-1]) and LONG[len(second[4]) - 1] == " "
    assert second[5:] == [agency, "Alice Okafor", "30 Apr 2027"]
    assert "Import 2 actions" in text_of(checked)
    assert "Check a different file" in text_of(checked)
    assert "The import also creates 1 recommendation" in text_of(checked)


@pytest.mark.django_db
def test_bad_rows_are_listed_nothing_is_written_and_no_file_is_kept(manager, agency_a):
    review = make_review(lead_agency=agency_a)
    rows = [
        f"{review.title},1,Share,1.1,Train,{agency_a.name},nobody,31/03/2027\n",
        f"No such review,2,x,1.2,Audit,{agency_a.name},alice,someday\n",
    ]
    response = check(login(manager), rows)
    assert response.status_code == 400
    assert b"nothing has been saved" in response.content
    assert b'<td class="govuk-table__cell">2</td>' in response.content
    assert b'<td class="govuk-table__cell">3</td>' in response.content
    assert b'name="token"' not in response.content
    assert not Action.objects.exists()
    assert kept_files() == []


@pytest.mark.django_db
def test_a_token_this_session_does_not_hold_is_refused(manager, rows):
    owner = login(manager)
    token = token_of(check(owner, rows))
    other_manager = UserFactory(username="manager2", groups=[PartnershipRole.PARTNERSHIP_MANAGER])
    for intruder in (login(other_manager), login(manager)):  # another user; another session
        refused = intruder.post(URL, {"token": token, "step": "import"})
        assert refused.status_code == 400
        assert IMPORT_CHECK_EXPIRED in refused.content.decode()
        assert 'href="#id_plan"' in refused.content.decode()  # the error summary
        assert not Action.objects.exists()
    # a token nobody issued, or none at all
    assert owner.post(URL, {"token": "0" * 32, "step": "import"}).status_code == 400
    assert not Action.objects.exists()
    # the owner's check is untouched
    assert len(kept_files()) == 1
    assert owner.post(URL, {"token": token, "step": "import"}).status_code == 200
    assert Action.objects.count() == 2


@pytest.mark.django_db
def test_the_same_check_cannot_be_imported_twice(manager, rows):
    client = login(manager)
    token = token_of(check(client, rows))
    assert client.post(URL, {"token": token, "step": "import"}).status_code == 200
    again = client.post(URL, {"token": token, "step": "import"})
    assert again.status_code == 400 and IMPORT_CHECK_EXPIRED in again.content.decode()
    assert Action.objects.count() == 2


@pytest.mark.django_db
def test_what_changed_since_the_check_is_reported_and_nothing_is_saved(manager, alice, rows):
    client = login(manager)
    token = token_of(check(client, rows))
    alice.is_active = False  # the lead leaves between the check and the import
    alice.save()
    refused = client.post(URL, {"token": token, "step": "import"})
    assert refused.status_code == 400
    text = text_of(refused)
    assert "nothing has been saved" in text and "checked again" in text
    assert importing.LEAD_INACTIVE.format(value="alice") in text
    assert importing.LEAD_INACTIVE.format(value="Alice Okafor") in text
    assert not Action.objects.exists()
    assert not Recommendation.objects.filter(number=2).exists()
    # the check is used up: its file is deleted; the page asks for the file again
    assert kept_files() == []
    assert PENDING_IMPORTS not in client.session
    assert 'id="id_plan"' in refused.content.decode()


@pytest.mark.django_db
def test_a_check_older_than_a_day_has_expired(manager, rows):
    """A session lasts 8 hours (SESSION_COOKIE_AGE), but an install may make it longer:
    a check is good for 24 hours, like the kept file (the sweep deletes it then)."""
    client = login(manager)
    token = token_of(check(client, rows))
    session = client.session
    entry = session[PENDING_IMPORTS][token]
    entry["checked_at"] = (timezone.now() - timedelta(hours=25)).isoformat()
    session[PENDING_IMPORTS] = {token: entry}
    session.save()
    refused = client.post(URL, {"token": token, "step": "import"})
    assert refused.status_code == 400 and IMPORT_CHECK_EXPIRED in refused.content.decode()
    assert not Action.objects.exists()
    assert kept_files() == []
    assert PENDING_IMPORTS not in client.session


@pytest.mark.django_db
def test_a_kept_file_swept_away_means_the_check_has_expired(manager, rows):
    client = login(manager)
    token = token_of(check(client, rows))
    for kept in kept_files():
        kept.unlink()
    refused = client.post(URL, {"token": token, "step": "import"})
    assert refused.status_code == 400 and IMPORT_CHECK_EXPIRED in refused.content.decode()
    assert not Action.objects.exists()


@pytest.mark.django_db
def test_check_a_different_file_forgets_the_check(manager, rows):
    client = login(manager)
    token = token_of(check(client, rows))
    response = client.post(URL, {"token": token, "step": "discard"})
    assert response.status_code == 302 and response["Location"] == URL
    assert kept_files() == []
    assert PENDING_IMPORTS not in client.session
    assert client.post(URL, {"token": token, "step": "import"}).status_code == 400
    assert not Action.objects.exists()


@pytest.mark.django_db
def test_a_session_keeps_only_its_latest_checks(manager, rows):
    client = login(manager)
    tokens = [token_of(check(client, rows)) for _ in range(7)]
    assert list(client.session[PENDING_IMPORTS]) == tokens[-5:]
    assert sorted(p.stem for p in kept_files()) == sorted(tokens[-5:])


@pytest.mark.django_db
def test_no_file_is_a_form_error(manager):
    response = login(manager).post(URL, {})
    assert response.status_code == 400 and b"Select a CSV or Excel file" in response.content


@pytest.mark.django_db
def test_import_is_for_the_manager_only(alice, manager, rows):
    token = token_of(check(login(manager), rows))
    assert login(alice).get(URL).status_code == 403
    assert login(alice).post(URL, {"token": token, "step": "import"}).status_code == 403
    assert not Action.objects.exists()


@pytest.mark.django_db
def test_xlsx_export_holds_only_visible_actions(alice, charlie, manager, agency_a, agency_b):
    make_action(agency=agency_a, lead=alice, by=manager, description="CSC work")
    make_action(agency=agency_b, lead=charlie, by=manager, description="Police work")
    response = login(charlie).get(reverse("actions:export", args=["xlsx"]))
    assert response.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    texts = {str(c.value) for row in sheet.iter_rows() for c in row}
    assert "Police work" in texts and "CSC work" not in texts
    assert login(charlie).get(reverse("actions:export", args=["pdf"])).status_code == 404


# -- the template file, and what the page says happens to an exported plan ----------------
@pytest.mark.django_db
def test_the_template_holds_the_columns_the_importer_reads_and_fills_in_to_an_import(
    alice, manager, review, agency_a
):
    response = login(manager).get(reverse("actions:import-template"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    text = response.content.decode("utf-8-sig")
    assert text.strip().split(",") == list(importing.plan_table().columns)
    filled = text + f"{review.title},1,,1.1,Train staff,{agency_a.name},alice,31/03/2027\r\n"
    upload = SimpleUploadedFile("filled.csv", filled.encode("utf-8-sig"), "text/csv")
    client = login(manager)
    token = token_of(client.post(URL, {"plan": upload}))
    client.post(URL, {"token": token, "step": "import"})
    assert Action.objects.get().description == "Train staff"
    # the template is for whoever may import: others get 403, as the import page
    assert login(alice).get(reverse("actions:import-template")).status_code == 403


@pytest.mark.django_db
def test_the_page_says_an_import_only_adds_and_an_exported_plan_repeats_as_duplicates(
    manager, alice, agency_a, review
):
    page = text_of(login(manager).get(URL))
    assert "action plan template (CSV)" in page
    assert "An import only adds actions" in page and "refused as a duplicate" in page
    assert "can be imported as it is" not in page
    # what it says is what happens: the exported plan, imported back, is refused row by row
    make_action(
        agency=agency_a,
        lead=alice,
        by=manager,
        description="Train staff",
        source=review.recommendations.get(),
    )
    exported = login(manager).get(reverse("actions:export", args=["csv"])).content
    again = login(manager).post(
        URL, {"plan": SimpleUploadedFile("again.csv", exported, "text/csv")}
    )
    assert importing.ALREADY_IN_PLAN in again.content.decode().replace("&#x27;", "'")
    assert Action.objects.count() == 1
