"""The form template editor: a template's page (versions, sections, questions), creating
one, changing its details, adding / changing / moving / removing sections and questions,
publishing. A change never touches a published version or one a form was answered on: it
goes on a draft, which audits may use once published. Bad input is refused with clear
messages and changes nothing; only whoever may manage audits may use the editor."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from audits import services
from audits.forms import AuditCreateForm
from audits.models import (
    AnswerType,
    FormTemplate,
    FormTemplateVersion,
    GradingScale,
    Question,
    Section,
)
from core.submissions import ALREADY_SUBMITTED, FIELD
from tests.conftest import login
from tests.factories.audits import (
    GRADE_Q,
    form_of,
    make_audit,
    make_version,
    submitted,
)

pytestmark = pytest.mark.django_db

TOKEN = "t" * 22


def url(name, template, *args):
    return reverse(f"audits:{name}", args=[template.pk, *args])


def question_data(**over):
    data = {
        "text": "Was the child seen alone?",
        "help_text": "",
        "answer_type": "yes_no",
        "choices": "",
        "required": "yes",
    }
    data.update(over)
    return data


def versions(template):
    return list(template.versions.order_by("number").values_list("number", "published"))


def texts(version):
    return [
        (s.title, [q.text for q in s.questions.order_by("order")])
        for s in version.sections.order_by("order")
    ]


def latest(template):
    return template.versions.order_by("-number").first()


@pytest.fixture
def template(qa):
    """A published template (version 1, of two sections) no audit uses yet."""
    return make_version(slug="editor-test", name="Editor test audit").template


# -- pages -----------------------------------------------------------------------------------
def test_the_templates_list_links_to_each_template_and_to_create_one(qa, template):
    html = login(qa).get(reverse("audits:templates")).content.decode()
    assert reverse("audits:template-create") in html
    assert url("template", template) in html
    assert "Create a template" in html


def test_the_template_page_shows_its_versions_sections_and_questions(qa, template):
    page = login(qa).get(url("template", template))
    assert page.status_code == 200
    html = page.content.decode()
    assert "Editor test audit" in html and "Practice" in html and "Impact" in html
    assert GRADE_Q in html
    assert "Shown to: Police" in html  # the police-only question
    assert url("template-section", template, 1) in html
    assert url("template-question", template, 2, 3) in html
    assert url("template-question-move", template, 1, 2) in html
    assert url("template-section-add", template) in html
    assert "Version 1 is published" in html  # a change will make a draft
    assert reverse("audits:template-export", args=[latest(template).pk]) in html


def test_an_older_version_is_shown_read_only(qa, template):
    client = login(qa)
    client.post(url("template-section-add", template), {"title": "Voice of the child"}, follow=True)
    html = client.get(url("template", template) + "?version=1").content.decode()
    assert "Voice of the child" not in html
    assert url("template-section", template, 1) not in html  # no change links
    assert client.get(url("template", template) + "?version=9").status_code == 404


def test_the_template_page_costs_the_same_queries_however_big(qa, template):
    client = login(qa)

    def count():
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url("template", template)).status_code == 200
        return len(ctx.captured_queries)

    small = count()
    draft = services.template_draft(template, by=qa)
    for i in range(8):
        section = Section.objects.create(version=draft, order=10 + i, title=f"Extra {i}")
        for j in range(5):
            Question.objects.create(
                section=section, order=j + 1, text=f"Q {i}.{j}", answer_type=AnswerType.TEXT
            )
    assert count() == small


# -- creating and publishing ------------------------------------------------------------------
def test_a_template_is_created_filled_in_published_and_then_used(qa, agency_a):
    client = login(qa)
    scale = GradingScale.objects.get(slug="ofsted-4")
    response = client.post(
        reverse("audits:template-create"),
        {"name": "Private fostering audit", "kind": "audit", "scale": scale.pk, FIELD: TOKEN},
    )
    template = FormTemplate.objects.get(name="Private fostering audit")
    assert response.status_code == 302 and response["Location"] == url("template", template)
    assert template.slug == "private-fostering-audit"
    assert versions(template) == [(1, False)]
    # a draft is no choice for an audit, and the service refuses it
    draft = latest(template)
    assert draft not in AuditCreateForm().fields["template_version"].queryset
    today = timezone.localdate()
    with pytest.raises(ValidationError) as refused:
        services.audit_create(
            by=qa,
            title="PF",
            theme="Private fostering",
            template_version=draft,
            period_start=today - timedelta(days=30),
            period_end=today,
            lead=qa,
            agencies=[agency_a],
        )
    assert services.VERSION_NOT_PUBLISHED in refused.value.messages

    assert client.post(url("template-section-add", template), {"title": "Voice"}).status_code == 302
    assert (
        client.post(
            url("template-question-add", template, 1),
            question_data(text="How good was the practice?", answer_type="grade", overall="on"),
        ).status_code
        == 302
    )
    assert (
        client.post(
            url("template-question-add", template, 1),
            question_data(
                text="Arrangement notified by",
                answer_type="choice",
                choices="Parent\nCarer\n\nSchool",
                required="no",
                agency_kinds=["police", "education"],
            ),
        ).status_code
        == 302
    )
    assert versions(template) == [(1, False)]  # all on the one draft
    choice = Question.objects.get(section__version=draft, text="Arrangement notified by")
    assert choice.choices == ["Parent", "Carer", "School"]
    assert choice.required is False and choice.agency_kinds == ["education", "police"]
    assert Question.objects.get(section__version=draft, order=1).overall is True

    response = client.post(url("template-publish", template), {"note": "First version"})
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.published and draft.note == "First version"
    assert draft in AuditCreateForm().fields["template_version"].queryset
    make_audit(lead=qa, agencies=[agency_a], version=draft)


def test_details_change_on_the_template_and_a_new_scale_goes_on_a_draft(qa, template):
    client = login(qa)
    rag = GradingScale.objects.get(slug="rag")
    old_scale = latest(template).scale
    response = client.post(
        url("template-edit", template),
        {"name": "Renamed audit", "kind": "observation", "theme": "Neglect", "scale": rag.pk},
    )
    assert response.status_code == 302
    template.refresh_from_db()
    assert (template.name, template.kind, template.theme) == (
        "Renamed audit",
        "observation",
        "Neglect",
    )
    assert versions(template) == [(1, True), (2, False)]
    assert template.versions.get(number=1).scale == old_scale
    assert template.versions.get(number=2).scale == rag


def test_publishing_refuses_a_section_without_questions(qa, template):
    client = login(qa)
    client.post(url("template-section-add", template), {"title": "Empty"})
    response = client.post(url("template-publish", template), {"note": ""})
    assert response.status_code == 400
    assert "Section 3 has no questions." in response.content.decode()
    assert versions(template) == [(1, True), (2, False)]


def test_there_is_nothing_to_publish_without_a_draft(qa, template):
    response = login(qa).post(url("template-publish", template), {"note": ""}, follow=True)
    assert services.NO_DRAFT in response.content.decode()
    assert versions(template) == [(1, True)]


# -- versioning ---------------------------------------------------------------------------------
def test_editing_an_answered_version_makes_a_draft_and_never_changes_it(
    qa, agency_a, amy, template
):
    audit = make_audit(lead=qa, agencies=[agency_a], version=latest(template))
    form = form_of(audit, agency_a)
    submitted(form, by=amy)
    answered = audit.template_version
    before = texts(answered)
    client = login(qa)
    page = client.get(url("template-question", template, 1, 1))
    assert GRADE_Q in page.content.decode()

    response = client.post(
        url("template-question", template, 1, 1),
        question_data(text="A reworded question", answer_type="grade"),
    )
    assert response.status_code == 302
    assert versions(template) == [(1, True), (2, False)]
    assert texts(answered) == before  # the answered version is untouched
    draft = template.versions.get(number=2)
    assert texts(draft)[0][1][0] == "A reworded question"
    # a second change goes on the same draft
    client.post(url("template-section", template, 2), {"title": "Impact on the child"})
    assert versions(template) == [(1, True), (2, False)]
    assert texts(draft)[1][0] == "Impact on the child"
    # the answered form still shows its own version's question
    html = login(amy).get(reverse("audits:form", args=[form.pk])).content.decode()
    assert GRADE_Q in html and "A reworded question" not in html
    # the audit keeps its version when the draft is published
    client.post(url("template-publish", template), {"note": "Reworded"})
    audit.refresh_from_db()
    assert audit.template_version == answered
    assert versions(template) == [(1, True), (2, True)]


def test_a_version_an_audit_uses_is_never_changed_even_unanswered(qa, agency_a, template):
    audit = make_audit(lead=qa, agencies=[agency_a], version=latest(template))
    before = texts(audit.template_version)
    login(qa).post(url("template-section-remove", template, 1))
    assert texts(audit.template_version) == before
    assert [t for t, _ in texts(latest(template))] == ["Impact"]


def test_the_draft_service_reuses_an_unused_draft_only(qa, template):
    first = services.template_draft(template, by=qa)
    assert first.number == 2 and not first.published
    assert services.template_draft(template, by=qa) == first
    with pytest.raises(services.TransitionForbidden):
        services.template_draft(template, by=None)


# -- discarding a draft -------------------------------------------------------------------------
def test_a_draft_is_discarded_and_the_published_version_stays(qa, template):
    client = login(qa)
    before = texts(latest(template))
    assert (
        url("template-discard-draft", template)
        not in client.get(url("template", template)).content.decode()
    )
    client.post(url("template-section", template, 1), {"title": "Reworded"})
    client.post(url("template-question-remove", template, 2, 1))
    assert versions(template) == [(1, True), (2, False)]
    assert (
        url("template-discard-draft", template)
        in client.get(url("template", template)).content.decode()
    )

    page = client.get(url("template-discard-draft", template))
    html = page.content.decode()
    assert page.status_code == 200
    assert "Are you sure you want to discard draft version 2?" in html
    assert "Every change made in the draft will be lost" in html
    assert versions(template) == [(1, True), (2, False)]  # asking changes nothing

    response = client.post(url("template-discard-draft", template), {FIELD: TOKEN})
    assert response.status_code == 302 and response["Location"] == url("template", template)
    assert versions(template) == [(1, True)]
    assert texts(latest(template)) == before
    assert not Section.objects.filter(version__template=template, title="Reworded").exists()
    html = client.get(response["Location"]).content.decode()
    assert "The draft was discarded: version 1 is kept." in html
    assert url("template-discard-draft", template) not in html
    again = client.post(url("template-discard-draft", template), {FIELD: TOKEN}, follow=True)
    assert ALREADY_SUBMITTED in again.content.decode()
    assert versions(template) == [(1, True)]


def test_a_template_never_published_is_deleted_with_its_draft(qa):
    client = login(qa)
    scale = GradingScale.objects.get(slug="ofsted-4")
    template = services.template_create(by=qa, name="Short-lived audit", scale=scale)
    services.section_add(template=template, by=qa, title="Voice")
    services.question_add(template=template, by=qa, number=1, text="Seen?", answer_type="yes_no")
    html = client.get(url("template", template)).content.decode()
    assert url("template-discard-draft", template) in html
    page = client.get(url("template-discard-draft", template)).content.decode()
    assert "has never been published: it is deleted" in page

    response = client.post(url("template-discard-draft", template), {FIELD: TOKEN})
    assert response.status_code == 302 and response["Location"] == reverse("audits:templates")
    assert not FormTemplate.objects.filter(pk=template.pk).exists()
    assert not FormTemplateVersion.objects.filter(template_id=template.pk).exists()
    assert not Section.objects.filter(title="Voice").exists()
    assert not Question.objects.filter(text="Seen?").exists()
    html = client.get(response["Location"]).content.decode()
    assert "The template “Short-lived audit” and its draft were deleted." in html
    again = client.post(url("template-discard-draft", template), {FIELD: TOKEN}, follow=True)
    assert again.status_code == 200 and ALREADY_SUBMITTED in again.content.decode()


def test_without_a_draft_there_is_nothing_to_discard(qa, template):
    client = login(qa)
    page = client.get(url("template-discard-draft", template), follow=True)
    assert page.redirect_chain == [(url("template", template), 302)]
    assert services.NO_DRAFT_TO_DISCARD in page.content.decode()
    response = client.post(url("template-discard-draft", template), {FIELD: TOKEN}, follow=True)
    assert services.NO_DRAFT_TO_DISCARD in response.content.decode()
    assert versions(template) == [(1, True)]
    with pytest.raises(services.TransitionRefused):
        services.template_discard_draft(template=template, by=qa)
    assert versions(template) == [(1, True)]


def test_discarding_leaves_the_version_an_audit_uses_untouched(qa, agency_a, amy, template):
    audit = make_audit(lead=qa, agencies=[agency_a], version=latest(template))
    submitted(form_of(audit, agency_a), by=amy)
    used = audit.template_version
    before = texts(used)
    client = login(qa)
    client.post(url("template-section-remove", template, 1))
    assert versions(template) == [(1, True), (2, False)]
    assert client.post(url("template-discard-draft", template)).status_code == 302
    assert versions(template) == [(1, True)]
    audit.refresh_from_db()
    assert audit.template_version == used and texts(used) == before
    # with no draft, the version in use is never discarded
    with pytest.raises(services.TransitionRefused):
        services.template_discard_draft(template=template, by=qa)
    assert FormTemplateVersion.objects.filter(pk=used.pk).exists()


def test_only_whoever_manages_audits_may_discard_a_draft(qa, template, alice, amy):
    services.section_add(template=template, by=qa, title="Voice")
    for user in (alice, amy):
        client = login(user)
        assert client.get(url("template-discard-draft", template)).status_code == 403
        assert client.post(url("template-discard-draft", template)).status_code == 403
        with pytest.raises(services.TransitionForbidden):
            services.template_discard_draft(template=template, by=user)
    assert versions(template) == [(1, True), (2, False)]


# -- moving and removing ------------------------------------------------------------------------
def test_sections_and_questions_move_up_and_down(qa, template):
    client = login(qa)
    response = client.post(url("template-section-move", template, 2), {"direction": "up"})
    assert response.status_code == 302 and response["Location"].endswith("#section-1")
    draft = latest(template)
    assert [t for t, _ in texts(draft)] == ["Impact", "Practice"]
    client.post(url("template-question-move", template, 2, 1), {"direction": "down"})
    assert texts(draft)[1][1][:2] == ["Overall, how good was our practice?", GRADE_Q]
    assert versions(template) == [(1, True), (2, False)]
    assert [t for t, _ in texts(template.versions.get(number=1))] == ["Practice", "Impact"]


def test_a_move_past_the_end_or_a_bad_direction_changes_nothing(qa, template):
    client = login(qa)
    for path, direction, message in [
        (url("template-section-move", template, 1), "up", services.ALREADY_FIRST),
        (url("template-question-move", template, 2, 3), "down", services.ALREADY_LAST),
        (url("template-section-move", template, 1), "sideways", "Choose whether to move it"),
    ]:
        response = client.post(path, {"direction": direction})
        assert response.status_code == 400, path
        html = response.content.decode()
        assert "There is a problem" in html and message in html
    assert versions(template) == [(1, True)]
    assert client.get(url("template-section-move", template, 1)).status_code == 405


def test_removing_asks_first_then_renumbers(qa, template):
    client = login(qa)
    page = client.get(url("template-question-remove", template, 1, 1))
    assert page.status_code == 200 and "Are you sure" in page.content.decode()
    assert versions(template) == [(1, True)]  # asking changes nothing
    assert client.post(url("template-question-remove", template, 1, 1)).status_code == 302
    draft = latest(template)
    assert list(draft.sections.get(order=1).questions.values_list("order", flat=True)) == [
        1,
        2,
        3,
    ]
    assert GRADE_Q not in [q for _, qs in texts(draft) for q in qs]
    page = client.get(url("template-section-remove", template, 1))
    assert "Its 3 questions will be removed too" in page.content.decode()
    client.post(url("template-section-remove", template, 1))
    assert [(s.order, s.title) for s in draft.sections.all()] == [(1, "Impact")]


# -- bad input ----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"text": ""}, "Enter the question"),
        ({"answer_type": "colour"}, "Choose how the question is answered"),
        ({"answer_type": "choice", "choices": "Only one"}, services.CHOICE_NEEDS_OPTIONS),
        ({"answer_type": "choice", "choices": "A\na"}, "Enter each option once"),
        ({"answer_type": "text", "overall": "on"}, "overall judgement"),
        ({"agency_kinds": ["martians"]}, "Choose agency kinds from the list"),
        ({"required": "perhaps"}, "Choose whether an answer is required"),
        ({"text": "x" * 501}, "500 characters or fewer"),
    ],
)
def test_a_bad_question_is_refused_and_changes_nothing(qa, template, data, message):
    response = login(qa).post(url("template-question-add", template, 1), question_data(**data))
    assert response.status_code == 400
    html = response.content.decode()
    assert "There is a problem" in html and message in html
    assert versions(template) == [(1, True)]


def test_bad_template_details_are_refused(qa, template):
    make_version(slug="other", name="Other audit")
    client = login(qa)
    scale = latest(template).scale
    for data, message in [
        ({"name": "", "kind": "audit", "scale": scale.pk}, "Enter the template"),
        ({"name": "other AUDIT", "kind": "audit", "scale": scale.pk}, "already exists"),
        ({"name": "X", "kind": "audit", "scale": 999999}, "Choose a grading scale"),
        ({"name": "X", "kind": "essay", "scale": scale.pk}, "Choose what the form is for"),
    ]:
        for path in (reverse("audits:template-create"), url("template-edit", template)):
            response = client.post(path, data)
            assert response.status_code == 400, (path, data)
            assert message in response.content.decode(), (path, data)
    template.refresh_from_db()
    assert template.name == "Editor test audit"
    assert not FormTemplate.objects.filter(name__in=["X", "other AUDIT"]).exists()
    assert versions(template) == [(1, True)]


def test_an_empty_section_title_is_refused(qa, template):
    response = login(qa).post(url("template-section", template, 1), {"title": " "})
    assert response.status_code == 400
    assert "Enter the section" in response.content.decode()
    assert versions(template) == [(1, True)]


def test_a_section_or_question_that_does_not_exist_is_404(qa, template):
    client = login(qa)
    for path in [
        reverse("audits:template", args=[999999]),
        url("template-section", template, 9),
        url("template-question", template, 1, 9),
        url("template-question-add", template, 9),
        url("template-section-remove", template, 9),
    ]:
        assert client.get(path).status_code == 404, path
        assert client.post(path, question_data(title="x")).status_code == 404, path
    assert versions(template) == [(1, True)]


def test_a_repeated_post_does_its_work_once(qa, template):
    client = login(qa)
    path = url("template-section-add", template)
    first = client.post(path, {"title": "Voice", FIELD: TOKEN})
    again = client.post(path, {"title": "Voice", FIELD: TOKEN}, follow=True)
    assert first.status_code == 302
    assert ALREADY_SUBMITTED in again.content.decode()
    assert [t for t, _ in texts(latest(template))] == ["Practice", "Impact", "Voice"]


# -- permission ---------------------------------------------------------------------------------
def test_only_whoever_manages_audits_may_edit_templates(qa, template, alice, amy, bea):
    paths = [
        reverse("audits:template-create"),
        url("template", template),
        url("template-edit", template),
        url("template-publish", template),
        url("template-discard-draft", template),
        url("template-section-add", template),
        url("template-section", template, 1),
        url("template-section-remove", template, 1),
        url("template-section-move", template, 1),
        url("template-question-add", template, 1),
        url("template-question", template, 1, 1),
        url("template-question-remove", template, 1, 1),
        url("template-question-move", template, 1, 1),
    ]
    before = (versions(template), texts(latest(template)), FormTemplate.objects.count())
    for user in (alice, amy, bea):
        client = login(user)
        for path in paths:
            assert client.get(path).status_code == 403, (user, path)
            response = client.post(path, {**question_data(), "title": "x", "direction": "up"})
            assert response.status_code == 403, (user, path)
    assert (versions(template), texts(latest(template)), FormTemplate.objects.count()) == before
    anonymous = login(qa)
    anonymous.logout()
    assert anonymous.get(url("template", template)).status_code == 302  # to sign in
    assert FormTemplateVersion.objects.filter(template=template).count() == 1
