"""The template editor's forms (GOV.UK, crispy-forms-gds). Field names are the services'
argument names (``audits.services``: ``template_create``, ``section_add``,
``question_add``...), so ``cleaned_data`` goes straight to the service, which checks the
rules again (an API or a script gets the same answers)."""

from __future__ import annotations

from typing import Any

from crispy_forms_gds.layout import Field, Size
from django import forms

from agencies.models import AgencyKind
from audits.forms import GdsForm
from audits.models import AnswerType, FormTemplate, GradingScale, Section, TemplateKind
from audits.services import CHOICE_NEEDS_OPTIONS

MAX_OPTIONS = 50
OPTION_MAX = 200
DUPLICATE_OPTION = "Enter each option once"
OPTION_TOO_LONG = f"Enter options of {OPTION_MAX} characters or fewer"
TOO_MANY_OPTIONS = f"Enter {MAX_OPTIONS} options or fewer"
REQUIRED_CHOICES = [("yes", "Yes, an answer is required"), ("no", "No, it is optional")]


class TemplateForm(GdsForm):
    name = forms.CharField(
        label="Template name",
        max_length=200,
        error_messages={
            "required": "Enter the template's name",
            "max_length": "Enter a name of 200 characters or fewer",
        },
    )
    kind = forms.ChoiceField(
        label="What the form is for",
        choices=TemplateKind.choices,
        widget=forms.RadioSelect,
        initial=TemplateKind.AUDIT,
        error_messages={
            "required": "Choose what the form is for",
            "invalid_choice": "Choose what the form is for",
        },
    )
    theme = forms.CharField(
        label="Theme (optional)",
        max_length=100,
        required=False,
        help_text="For example: neglect, child sexual exploitation.",
        error_messages={"max_length": "Enter a theme of 100 characters or fewer"},
    )
    description = forms.CharField(
        label="Description (optional)",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    scale = forms.ModelChoiceField(
        queryset=GradingScale.objects.order_by("name"),
        label="Grading scale",
        help_text="The grades a question answered with a grade offers.",
        widget=forms.RadioSelect,
        empty_label=None,
        error_messages={
            "required": "Choose the grading scale",
            "invalid_choice": "Choose a grading scale from the list",
        },
    )
    layout = (
        Field.text("name"),
        Field.radios("kind", legend_size=Size.SMALL),
        Field.text("theme", field_width=20),
        Field.textarea("description", rows=3),
        Field.radios("scale", legend_size=Size.SMALL),
    )


class SectionForm(GdsForm):
    title = forms.CharField(
        label="Section title",
        max_length=200,
        help_text="For example: the child's lived experience and voice.",
        error_messages={
            "required": "Enter the section's title",
            "max_length": "Enter a title of 200 characters or fewer",
        },
    )
    help_text = forms.CharField(
        label="Guidance for auditors (optional)",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    layout = (Field.text("title"), Field.textarea("help_text", rows=3))


class QuestionForm(GdsForm):
    text = forms.CharField(
        label="Question",
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={
            "required": "Enter the question",
            "max_length": "Enter a question of 500 characters or fewer",
        },
    )
    help_text = forms.CharField(
        label="Hint (optional)",
        required=False,
        help_text="Shown under the question: what a good answer looks at.",
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    answer_type = forms.ChoiceField(
        label="How is it answered?",
        choices=AnswerType.choices,
        widget=forms.RadioSelect,
        error_messages={
            "required": "Choose how the question is answered",
            "invalid_choice": "Choose how the question is answered",
        },
    )
    choices = forms.CharField(
        label="Options, one a line (for “One of a list” only)",
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    required = forms.ChoiceField(
        label="Is an answer required before the form is submitted?",
        choices=REQUIRED_CHOICES,
        widget=forms.RadioSelect,
        initial="yes",
        error_messages={
            "required": "Choose whether an answer is required",
            "invalid_choice": "Choose whether an answer is required",
        },
    )
    agency_kinds = forms.MultipleChoiceField(
        label="Shown to (optional)",
        choices=AgencyKind.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Leave every box empty to show the question to every agency.",
        error_messages={"invalid_choice": "Choose agency kinds from the list"},
    )
    overall = forms.BooleanField(
        label="This is the form's overall judgement (a grade), which the findings count",
        required=False,
    )
    layout = (
        Field.textarea("text", rows=2),
        Field.textarea("help_text", rows=2),
        Field.radios("answer_type", legend_size=Size.SMALL),
        Field.textarea("choices", rows=4),
        Field.radios("required", legend_size=Size.SMALL, inline=True),
        Field.checkboxes("agency_kinds", legend_size=Size.SMALL, small=True),
        Field.checkbox("overall", small=True),
    )

    def clean_choices(self) -> list[str]:
        options = [line.strip() for line in self.cleaned_data["choices"].splitlines()]
        options = [o for o in options if o]
        if len(options) > MAX_OPTIONS:
            raise forms.ValidationError(TOO_MANY_OPTIONS)
        if any(len(o) > OPTION_MAX for o in options):
            raise forms.ValidationError(OPTION_TOO_LONG)
        if len({o.casefold() for o in options}) != len(options):
            raise forms.ValidationError(DUPLICATE_OPTION)
        return options

    def clean_required(self) -> bool:
        return bool(self.cleaned_data["required"] == "yes")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        choosing = data.get("answer_type") == AnswerType.CHOICE
        if choosing and "choices" in data and len(data["choices"]) < 2:
            self.add_error("choices", CHOICE_NEEDS_OPTIONS)
        return data


def template_initial(template: FormTemplate, scale: GradingScale | None) -> dict[str, Any]:
    return {
        "name": template.name,
        "kind": template.kind,
        "theme": template.theme,
        "description": template.description,
        "scale": scale.pk if scale else None,
    }


def section_initial(section: Section) -> dict[str, Any]:
    return {"title": section.title, "help_text": section.help_text}


def question_initial(question: Any) -> dict[str, Any]:
    return {
        "text": question.text,
        "help_text": question.help_text,
        "answer_type": question.answer_type,
        "choices": "\n".join(question.choices or []),
        "required": "yes" if question.required else "no",
        "agency_kinds": list(question.agency_kinds or []),
        "overall": question.overall,
    }


class PublishForm(GdsForm):
    note = forms.CharField(
        label="What changed (optional)",
        max_length=200,
        required=False,
        help_text="Shown in the list of versions.",
        error_messages={"max_length": "Enter 200 characters or fewer"},
    )
    layout = (Field.text("note"),)
