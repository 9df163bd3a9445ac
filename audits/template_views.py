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
from dataclasses import dataclass
from functools import partial
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


def editor_page(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """A page of the editor: for someone signed in, by GET or POST."""
    return login_required(require_http_methods(["GET", "POST"])(view))


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


def _form_page(
    request: HttpRequest,
    form: Any,
    work: Callable[[dict[str, Any]], tuple[str, str]],
    fallback: str,
    page: str,
    **context: Any,
) -> HttpResponse:
    """A page with ``form``: a POST goes through ``_handle``; a GET, or a form with
    errors (400), shows ``page`` with ``context``."""
    if request.method == "POST":
        done = _handle(request, form, work, fallback)
        if done is not None:
            return done
    return render(request, page, {"form": form, **context}, status=400 if form.errors else 200)


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


@editor_page
def template_create(request: HttpRequest) -> HttpResponse:
    if not may_manage(None, request.user):
        raise PermissionDenied(services.NOT_PERMITTED_MANAGE)

    def work(data: dict[str, Any]) -> tuple[str, str]:
        template = services.template_create(by=request.user, **data)
        return _detail_url(template), f"the template “{template.name}” was created"

    return _form_page(
        request,
        template_forms.TemplateForm(request.POST if request.method == "POST" else None),
        work,
        reverse("audits:templates"),
        "audits/template_form.html",
        heading="Create a form template",
        button="Create the template",
    )


@editor_page
def template_edit(request: HttpRequest, pk: int) -> HttpResponse:
    template = _template(request, pk)
    latest = template.latest_version()
    form = template_forms.TemplateForm(
        request.POST if request.method == "POST" else None,
        initial=template_forms.template_initial(template, latest.scale if latest else None),
    )

    def work(data: dict[str, Any]) -> tuple[str, str]:
        services.template_update(template=template, by=request.user, **data)
        return _detail_url(template), f"the template “{template.name}” was changed"

    return _form_page(
        request,
        form,
        work,
        _detail_url(template),
        "audits/template_form.html",
        template=template,
        heading="Change the template's details",
        button="Save changes",
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


@editor_page
def template_discard_draft(request: HttpRequest, pk: int) -> HttpResponse:
    """Throw the template's draft away, after a confirmation; a template that had only
    its draft goes entirely (``services.template_discard_draft``)."""
    # A repeat of a post that went through goes where it went, the template gone or not.
    repeated = (
        Submission(request).repeated()
        if request.method == "POST" and may_manage(None, request.user)
        else None
    )
    if repeated is not None:
        return repeated
    template = _template(request, pk)
    latest = template.latest_version()
    if request.method == "GET" and (latest is None or not services.is_draft(latest)):
        messages.error(request, services.NO_DRAFT_TO_DISCARD)
        return redirect(_detail_url(template))
    name, kept_any = template.name, template.versions.count() > 1

    def work() -> tuple[str, str]:
        kept = services.template_discard_draft(template=template, by=request.user)
        if kept is None:
            return reverse("audits:templates"), f"the template “{name}” and its draft were deleted"
        return _detail_url(template), f"the draft was discarded: version {kept.number} is kept"

    return _confirm(
        request,
        template,
        work,
        what=f"draft version {latest.number}" if latest else "the draft",
        verb="discard",
        warning="Every change made in the draft will be lost: its sections and questions "
        "are deleted. Published versions, and the audits that use them, do not change."
        if kept_any
        else "The template has never been published: it is deleted with its sections and "
        "questions.",
    )


# -- sections and questions -------------------------------------------------------------------
# A section or question is named in the URL by its place: ``number`` the section's order,
# ``question`` the question's order in it. The pages to add or change one share
# ``_item_page``; their removal and move share ``_confirm`` and ``_move``.
def _anchor(item: Section | Question) -> str:
    """The item's place on the template page."""
    if isinstance(item, Section):
        return f"section-{item.order}"
    return f"section-{item.section.order}-question-{item.order}"


def _version_of(item: Section | Question) -> FormTemplateVersion:
    return item.version if isinstance(item, Section) else item.section.version


@dataclass(frozen=True)
class ItemPage:
    """A page adding or changing a section or a question: its heading and button, and
    what its success message says (formatted with ``item``, the one saved)."""

    heading: str
    button: str
    did: str


SECTION_ADD = ItemPage("Add a section", "Add section", "the section “{item}” was added")
SECTION_EDIT = ItemPage("Change the section", "Save", "the section “{item}” was changed")
QUESTION_ADD = ItemPage(
    "Add a question", "Add question", "the question was added to “{item.section}”"
)
QUESTION_EDIT = ItemPage("Change the question", "Save", "the question was changed")


def _item_page(
    request: HttpRequest,
    template: FormTemplate,
    page: ItemPage,
    save: Callable[..., Section | Question],
    *,
    initial: dict[str, Any] | None = None,
    within: Section | None = None,
) -> HttpResponse:
    """The page adding or changing a section, or a question ``within`` a section: a
    valid POST gives the form's data to ``save`` (a service) and goes to the item saved
    (``_handle``)."""
    form_class = template_forms.QuestionForm if within else template_forms.SectionForm
    form = form_class(request.POST if request.method == "POST" else None, initial=initial)

    def work(data: dict[str, Any]) -> tuple[str, str]:
        item = save(**data)
        did = page.did.format(item=item) + _draft_note(_version_of(item))
        return _detail_url(template, _anchor(item)), did

    return _form_page(
        request,
        form,
        work,
        _detail_url(template),
        "audits/template_item.html",
        template=template,
        caption=f"{template.name}: {within.title}" if within else template.name,
        cancel=_detail_url(template, _anchor(within) if within else ""),
        heading=page.heading,
        button=page.button,
    )


class ConfirmForm(template_forms.GdsForm):
    """A removal's confirmation: a button, nothing else."""


def _confirm(
    request: HttpRequest,
    template: FormTemplate,
    work: Callable[[], tuple[str, str]],
    **context: Any,
) -> HttpResponse:
    """The page asking to confirm a removal (``what``, with ``count`` questions or a
    ``warning``); its POST, with the one-time token, runs ``work`` (``_handle``)."""
    form = ConfirmForm(request.POST if request.method == "POST" else None)
    return _form_page(
        request,
        form,
        lambda data: work(),
        _detail_url(template),
        "audits/template_remove.html",
        template=template,
        **context,
    )


def _removed(template: FormTemplate, what: str) -> str:
    draft = template.latest_version()
    return f"{what} was removed" + (_draft_note(draft) if draft else "")


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
            did = f"{what} was moved {direction}"
            outcome.done(_detail_url(template, _anchor(moved)), f"{ALREADY_SUBMITTED}: {did}")
    except AlreadySubmitted:
        return submission.already(_detail_url(template))
    except TransitionForbidden as exc:
        raise PermissionDenied(exc.message) from exc
    except ValidationError as exc:
        return _detail(request, template, errors=exc.messages, status=400)
    messages.success(request, did[:1].upper() + did[1:] + _draft_note(_version_of(moved)) + ".")
    return redirect(_detail_url(template, _anchor(moved)))


# -- sections -------------------------------------------------------------------------------
@editor_page
def section_add(request: HttpRequest, pk: int) -> HttpResponse:
    template = _template(request, pk)
    save = partial(services.section_add, template=template, by=request.user)
    return _item_page(request, template, SECTION_ADD, save)


@editor_page
def section_edit(request: HttpRequest, pk: int, number: int) -> HttpResponse:
    template = _template(request, pk)
    _, section = _section(template, number)
    save = partial(services.section_update, template=template, by=request.user, number=number)
    initial = template_forms.section_initial(section)
    return _item_page(request, template, SECTION_EDIT, save, initial=initial)


@editor_page
def section_remove(request: HttpRequest, pk: int, number: int) -> HttpResponse:
    template = _template(request, pk)
    _, section = _section(template, number)
    what = f"the section “{section.title}”"

    def work() -> tuple[str, str]:
        services.section_remove(template=template, by=request.user, number=number)
        return _detail_url(template), _removed(template, what)

    return _confirm(request, template, work, what=what, count=len(section.questions.all()))


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


# -- questions ------------------------------------------------------------------------------
@editor_page
def question_add(request: HttpRequest, pk: int, number: int) -> HttpResponse:
    template = _template(request, pk)
    _, section = _section(template, number)
    save = partial(services.question_add, template=template, by=request.user, number=number)
    return _item_page(request, template, QUESTION_ADD, save, within=section)


@editor_page
def question_edit(request: HttpRequest, pk: int, number: int, question: int) -> HttpResponse:
    template = _template(request, pk)
    _, section, found = _question(template, number, question)
    save = partial(
        services.question_update,
        template=template,
        by=request.user,
        number=number,
        question=question,
    )
    initial = template_forms.question_initial(found)
    return _item_page(request, template, QUESTION_EDIT, save, initial=initial, within=section)


@editor_page
def question_remove(request: HttpRequest, pk: int, number: int, question: int) -> HttpResponse:
    template = _template(request, pk)
    _, section, found = _question(template, number, question)

    def work() -> tuple[str, str]:
        services.question_remove(
            template=template, by=request.user, number=number, question=question
        )
        return _detail_url(template, _anchor(section)), _removed(template, "the question")

    return _confirm(request, template, work, what=f"the question “{found.text}”")


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
