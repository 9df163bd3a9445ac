from __future__ import annotations

from datetime import date
from typing import Any

from crispy_forms_gds.helper import FormHelper
from crispy_forms_gds.layout import Field, Layout
from django import forms
from django.utils import timezone

from core import dates
from improvement_plan import services


class GdsForm(forms.Form):
    layout: tuple[Any, ...] = ()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False
        if self.layout:
            self.helper.layout = Layout(*self.layout)


class MilestoneForm(GdsForm):
    met = forms.ChoiceField(
        label="Has the milestone been met?",
        choices=[("yes", "Yes"), ("no", "No, not yet")],
        widget=forms.RadioSelect,
        error_messages={"required": "Select whether the milestone has been met"},
    )
    completed_on = dates.DateInputField(
        label="Date met (if met)", required=False, help_text="For example, 27 3 2026"
    )
    layout = (Field.radios("met", legend_size="s"), Field("completed_on"))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        met = data.get("met")
        when: date | None = data.get("completed_on")
        if met == "yes":
            if when is None and "completed_on" not in self.errors:
                when = timezone.localdate()
            if when is not None and when > timezone.localdate():
                self.add_error("completed_on", services.COMPLETED_IN_FUTURE)
            data["completed_on"] = when
        elif met == "no":
            data["completed_on"] = None
        return data


class CommentaryForm(GdsForm):
    text = forms.CharField(
        label="Progress commentary for this month",
        widget=forms.Textarea,
        max_length=5000,
        error_messages={"required": services.COMMENTARY_EMPTY},
    )
    layout = (Field.textarea("text", rows=4),)


class ApproveForm(GdsForm):
    approved_by = forms.CharField(
        label="Who approved the plan",
        max_length=200,
        help_text="For example, Ofsted and the Department for Education",
        error_messages={"required": services.APPROVER_EMPTY},
    )
    layout = (Field.text("approved_by"),)
