"""The form template editor's pages: a template, its versions, sections and questions.

Only whoever may manage audits (``audits.manage_audit``) may use them; anyone else gets
403 (templates are the partnership's, not an agency's records). Every change goes through
``audits.services``, which puts it on the template's draft: a published version, or one
a form was answered on, never changes (``services.template_draft``). A draft is
published before an audit may use it. Sections and questions are named in the URLs by
their position (``order``) on the latest version, so an edit made from a published
version's page lands on the same section of the new draft."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Exists, OuterRef, Prefetch
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from agencies.models import AgencyKind
from audits import services, template_forms
from audits.models import Answer, FormTemplate, FormTemplateVersion, Question, Section
from audits.permissions import may_manage
from core.forms import add_service_errors
from core.submissions import ALREADY_SUBMITTED, AlreadySubmitted, Submission
from core.transitions import TransitionForbidden, TransitionRefused

DIRECTIONS = ("up", "down")
BAD_DIRECTION = "Choose whether to move it up or down"
KIND_LABELS = dict(AgencyKind.choices)


def _template(request: HttpRequest, pk: int) -> FormTemplate:
    """The template, for whoever may manage audits (403 for anyone else, before the
    template is looked up; 404 for a template that does not exist)."""
    if not may_manage(None, request.user):
        raise PermissionDenied(services.NOT_PERMITTED_MANAGE)
    return get_object_or_404(FormTemplate, pk=pk)


def _version(template: FormTemplate, number: int | None = None) -> FormTemplateVersion | None:
    """The template's latest version (or version ``number``), with its scale, sections
    and questions: three queries."""
    versions = template.versions.select_related("scale").prefetch_related(
        Prefetch("sections", queryset=Section.objects.prefetch_related("questions"))
    )
    if number is not None:
        return versions.filter(number=number).first()
    return versions.order_by("-number").first()


def _section(template: FormTemplate, number: int) -> tuple[FormTemplateVersion, Section]:
    version = _version(template)
    section = (
        next((s for s in version.sections.all() if s.order == number), None) if version else None
    )
    if version is None or section is None:
        raise Http404("No such section")
    return version, section


def _question(
    template: FormTemplate, number: int, question: int
) -> tuple[FormTemplateVersion, Section, Question]:
    version, section = _section(template, number)
    found = next((q for q in section.questions.all() if q.order == question), None)
    if found is None:
        raise Http404("No such question")
    return version, section, found


def _detail_url(template: FormTemplate, anchor: str = "") -> str:
    return reverse("audits:template", args=[template.pk]) + (f"#{anchor}" if anchor else "")


def _handle(
    request: HttpRequest,
    form: Any,
    work: Callable[[dict[str, Any]], tuple[str, str]],
    fallback: str,
) -> HttpResponse | None:
    """A POST of ``form``: a repeat of a used one-time token goes where the first went;
    a valid form runs ``work(cleaned_data)`` (which gives the URL to go to and what it
    did) in one transaction with the token. None: the form has errors to show."""
    submission = Submission(request)
    if (repeated := submission.repeated()) is not None:
        return repeated
    if not form.is_valid():
        return None
    try:
        with submission.claim() as outcome:
            url, did = work(form.cleaned_data)
            outcome.done(url, f"{ALREADY_SUBMITTED}: {did}")
    except AlreadySubmitted:
        return submission.already(fallback)
    except TransitionForbidden as exc:
        raise PermissionDenied(exc.message) from exc
    except TransitionRefused as exc:
        messages.error(request, exc.message)
        return redirect(fallback)
    except ValidationError as exc:
        add_service_errors(form, exc)
        return None
    messages.success(request, did[:1].upper() + did[1:] + ".")
    return redirect(url)


def _draft_note(version: Any) -> str:
    return f" (draft version {version.number})"


# -- the template page ------------------------------------------------------------------------
def _rows(version: FormTemplateVersion | None) -> list[dict[str, Any]]:
    if version is None:
        return []
    return [
        {
            "section": s,
            "questions": [
                {
                    "question": q,
                    "shown_to": [KIND_LABELS.get(k, k) for k in q.agency_kinds or []],
                }
                for q in s.questions.all()
            ],
        }
        for s in version.sections.all()
    ]


def _detail(
    request: HttpRequest,
    template: FormTemplate,
    *,
    publish_form: Any = None,
    errors: list[str] | None = None,
    error_target: str = "sections",
    status: int = 200,
) -> HttpResponse:
    answered = Answer.objects.filter(question__section__version=OuterRef("pk"))
    versions = list(
        template.versions.select_related("scale")
        .annotate(audit_count=Count("audits"), answered=Exists(answered))
        .order_by("-number")
    )
    latest = versions[0] if versions else None
    shown_number = request.GET.get("version", "")
    shown = None
    if shown_number.isdigit() and len(shown_number) < 9:
        shown = next((v for v in versions if v.number == int(shown_number)), None)
        if shown is None:
            raise Http404("No such version")
    editing = shown is None or shown == latest
    version = _version(template) if editing or shown is None else _version(template, shown.number)
    return render(
        request,
        "audits/template_detail.html",
        {
            "template": template,
            "versions": versions,
            "latest": latest,
            "version": version,
            "editing": editing,
            "locked": latest is not None
            and (latest.published or latest.audit_count or latest.answered),
            "rows": _rows(version),
            "publish_form": publish_form or template_forms.PublishForm(),
            "errors": errors or [],
            "error_target": error_target,
        },
        status=status,
    )


@login_required
def template_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _detail(request, _template(request, pk))


@login_required
@require_http_methods(["GET", "POST"])
def template_create(request: HttpRequest) -> HttpResponse:
    if not may_manage(None, request.user):
        raise PermissionDenied(services.NOT_PERMITTED_MANAGE)
    form = template_forms.TemplateForm(request.POST if request.method == "POST" else None)
    if request.method == "POST":

        def work(data: dict[str, Any]) -> tuple[str, str]:
            template = services.template_create(by=request.user, **data)
            return _detail_url(template), f"the template “{template.name}” was created"

        done = _handle(request, form, work, reverse("audits:templates"))
        if done is not None:
            return done
    return render(
        request,
        "audits/template_form.html",
        {"form": form, "heading": "Create a form template", "button": "Create the template"},
        status=400 if form.errors else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def template_edit(request: HttpRequest, pk: int) -> HttpResponse:
    template = _template(request, pk)
    latest = template.latest_version()
    form = template_forms.TemplateForm(
        request.POST if request.method == "POST" else None,
        initial=template_forms.template_initial(template, latest.scale if latest else None),
    )
    if request.method == "POST":

        def work(data: dict[str, Any]) -> tuple[str, str]:
            services.template_update(template=template, by=request.user, **data)
            return _detail_url(template), f"the template “{template.name}” was changed"

        done = _handle(request, form, work, _detail_url(template))
        if done is not None:
            return done
    return render(
        request,
        "audits/template_form.html",
        {
            "form": form,
            "template": template,
            "heading": "Change the template's details",
            "button": "Save changes",
        },
        status=400 if form.errors else 200,
    )


@login_required
def template_publish(request: HttpRequest, pk: int) -> HttpResponse:
    template = _template(request, pk)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    form = template_forms.PublishForm(request.POST)

    def work(data: dict[str, Any]) -> tuple[str, str]:
        version = services.template_publish(template=template, by=request.user, note=data["note"])
        return _detail_url(template), f"version {version.number} was published"

    done = _handle(request, form, work, _detail_url(template))
    if done is not None:
        return done
    return _detail(
        request,
        template,
        publish_form=form,
        errors=[str(e) for errors in form.errors.values() for e in errors],
        error_target="publish",
        status=400,
    )


# -- sections -------------------------------------------------------------------------------
def _section_page(
    request: HttpRequest,
    template: FormTemplate,
    form: Any,
    *,
    heading: str,
    button: str,
    section: Section | None = None,
) -> HttpResponse:
    return render(
        request,
        "audits/template_section.html",
        {
            "form": form,
            "template": template,
            "section": section,
            "heading": heading,
            "button": button,
        },
        status=400 if form.errors else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def section_add(request: HttpRequest, pk: int) -> HttpResponse:
    template = _template(request, pk)
    form = template_forms.SectionForm(request.POST if request.method == "POST" else None)
    if request.method == "POST":

        def work(data: dict[str, Any]) -> tuple[str, str]:
            section = services.section_add(template=template, by=request.user, **data)
            return (
                _detail_url(template, f"section-{section.order}"),
                f"the section “{section.title}” was added" + _draft_note(section.version),
            )

        done = _handle(request, form, work, _detail_url(template))
        if done is not None:
            return done
    return _section_page(request, template, form, heading="Add a section", button="Add section")


@login_required
@require_http_methods(["GET", "POST"])
def section_edit(request: HttpRequest, pk: int, number: int) -> HttpResponse:
    template = _template(request, pk)
    _, section = _section(template, number)
    form = template_forms.SectionForm(
        request.POST if request.method == "POST" else None,
        initial=template_forms.section_initial(section),
    )
    if request.method == "POST":

        def work(data: dict[str, Any]) -> tuple[str, str]:
            changed = services.section_update(
                template=template, by=request.user, number=number, **data
            )
            return (
                _detail_url(template, f"section-{number}"),
                f"the section “{changed.title}” was changed" + _draft_note(changed.version),
            )

        done = _handle(request, form, work, _detail_url(template))
        if done is not None:
            return done
    return _section_page(
        request, template, form, heading="Change the section", button="Save", section=section
    )


class ConfirmForm(template_forms.GdsForm):
    """A removal's confirmation: a button, nothing else."""


@login_required
@require_http_methods(["GET", "POST"])
def section_remove(request: HttpRequest, pk: int, number: int) -> HttpResponse:
    template = _template(request, pk)
    _, section = _section(template, number)
    form = ConfirmForm(request.POST if request.method == "POST" else None)
    if request.method == "POST":

        def work(data: dict[str, Any]) -> tuple[str, str]:
            services.section_remove(template=template, by=request.user, number=number)
            draft = template.latest_version()
            return _detail_url(template), f"the section “{section.title}” was removed" + (
                _draft_note(draft) if draft else ""
            )

        done = _handle(request, form, work, _detail_url(template))
        if done is not None:
            return done
    return render(
        request,
        "audits/template_remove.html",
        {
            "form": form,
            "template": template,
            "what": f"the section “{section.title}”",
            "count": len(section.questions.all()),
        },
        status=400 if form.errors else 200,
    )


@login_required
def section_move(request: HttpRequest, pk: int, number: int) -> HttpResponse:
    template = _template(request, pk)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    _, section = _section(template, number)
    return _move(
        request,
        template,
        lambda direction: services.section_move(
            template=template, by=request.user, number=number, direction=direction
        ),
        f"the section “{section.title}”",
    )


def _move(
    request: HttpRequest, template: FormTemplate, move: Callable[[str], Any], what: str
) -> HttpResponse:
    """Move up or down; a bad direction, or one past the end, shows the template page
    with the error (400) and changes nothing."""
    direction = request.POST.get("direction", "")
    if direction not in DIRECTIONS:
        return _detail(request, template, errors=[BAD_DIRECTION], status=400)
    submission = Submission(request)
    if (repeated := submission.repeated()) is not None:
        return repeated
    try:
        with submission.claim() as outcome:
            moved = move(direction)
            anchor = (
                f"section-{moved.order}"
                if isinstance(moved, Section)
                else f"section-{moved.section.order}-question-{moved.order}"
            )
            did = f"{what} was moved {direction}"
            outcome.done(_detail_url(template, anchor), f"{ALREADY_SUBMITTED}: {did}")
    except AlreadySubmitted:
        return submission.already(_detail_url(template))
    except TransitionForbidden as exc:
        raise PermissionDenied(exc.message) from exc
    except ValidationError as exc:
        return _detail(request, template, errors=exc.messages, status=400)
    messages.success(request, did[:1].upper() + did[1:] + _draft_note(_version_of(moved)) + ".")
    return redirect(_detail_url(template, anchor))


def _version_of(item: Section | Question) -> FormTemplateVersion:
    return item.version if isinstance(item, Section) else item.section.version


# -- questions ------------------------------------------------------------------------------
def _question_page(
    request: HttpRequest,
    template: FormTemplate,
    section: Section,
    form: Any,
    *,
    heading: str,
    button: str,
) -> HttpResponse:
    return render(
        request,
        "audits/template_question.html",
        {
            "form": form,
            "template": template,
            "section": section,
            "heading": heading,
            "button": button,
        },
        status=400 if form.errors else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def question_add(request: HttpRequest, pk: int, number: int) -> HttpResponse:
    template = _template(request, pk)
    _, section = _section(template, number)
    form = template_forms.QuestionForm(request.POST if request.method == "POST" else None)
    if request.method == "POST":

        def work(data: dict[str, Any]) -> tuple[str, str]:
            question = services.question_add(
                template=template, by=request.user, number=number, **data
            )
            return (
                _detail_url(template, f"section-{number}-question-{question.order}"),
                f"the question was added to “{section.title}”"
                + _draft_note(question.section.version),
            )

        done = _handle(request, form, work, _detail_url(template))
        if done is not None:
            return done
    return _question_page(
        request, template, section, form, heading="Add a question", button="Add question"
    )


@login_required
@require_http_methods(["GET", "POST"])
def question_edit(request: HttpRequest, pk: int, number: int, question: int) -> HttpResponse:
    template = _template(request, pk)
    _, section, found = _question(template, number, question)
    form = template_forms.QuestionForm(
        request.POST if request.method == "POST" else None,
        initial=template_forms.question_initial(found),
    )
    if request.method == "POST":

        def work(data: dict[str, Any]) -> tuple[str, str]:
            changed = services.question_update(
                template=template, by=request.user, number=number, question=question, **data
            )
            return (
                _detail_url(template, f"section-{number}-question-{question}"),
                "the question was changed" + _draft_note(changed.section.version),
            )

        done = _handle(request, form, work, _detail_url(template))
        if done is not None:
            return done
    return _question_page(
        request, template, section, form, heading="Change the question", button="Save"
    )


@login_required
@require_http_methods(["GET", "POST"])
def question_remove(request: HttpRequest, pk: int, number: int, question: int) -> HttpResponse:
    template = _template(request, pk)
    _, _section_found, found = _question(template, number, question)
    form = ConfirmForm(request.POST if request.method == "POST" else None)
    if request.method == "POST":

        def work(data: dict[str, Any]) -> tuple[str, str]:
            services.question_remove(
                template=template, by=request.user, number=number, question=question
            )
            draft = template.latest_version()
            return _detail_url(template, f"section-{number}"), "the question was removed" + (
                _draft_note(draft) if draft else ""
            )

        done = _handle(request, form, work, _detail_url(template))
        if done is not None:
            return done
    return render(
        request,
        "audits/template_remove.html",
        {"form": form, "template": template, "what": f"the question “{found.text}”"},
        status=400 if form.errors else 200,
    )


@login_required
def question_move(request: HttpRequest, pk: int, number: int, question: int) -> HttpResponse:
    template = _template(request, pk)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    _question(template, number, question)
    return _move(
        request,
        template,
        lambda direction: services.question_move(
            template=template,
            by=request.user,
            number=number,
            question=question,
            direction=direction,
        ),
        "the question",
    )
