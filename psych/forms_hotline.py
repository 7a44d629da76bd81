"""Forms of the hotline pages: they parse, ``psych.hotline`` decides."""

from typing import Any

from django import forms
from django.contrib.auth.models import User
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from psych.models import HotlineCall, HotlineLine, ReportedTo, Topic

VERSION_MAX = 2**31 - 2
DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
DATETIME_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%d.%m.%Y %H:%M"]


class PsychologistChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: User) -> str:
        return obj.get_full_name() or obj.get_username()


class ShiftForm(forms.Form):
    psychologist = PsychologistChoice(
        label=_("Psychologist"),
        queryset=User.objects.none(),
        error_messages={"required": _("Choose a psychologist."), "invalid_choice": _("Choose a psychologist.")},
    )
    starts_at = forms.DateTimeField(
        label=_("Shift starts"),
        widget=DATETIME,
        input_formats=DATETIME_FORMATS,
        error_messages={"required": _("Say when the shift starts.")},
    )
    ends_at = forms.DateTimeField(
        label=_("Shift ends"),
        widget=DATETIME,
        input_formats=DATETIME_FORMATS,
        error_messages={"required": _("Say when the shift ends.")},
    )

    def __init__(self, *args: Any, psychologists: QuerySet[User] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["psychologist"].queryset = psychologists if psychologists is not None else User.objects.none()  # type: ignore[attr-defined]


class TopicChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: Topic) -> str:
        return str(obj)


def topic_choices() -> QuerySet[Topic]:
    """Active topics, those under a heading only (a heading alone says too little)."""
    return (
        Topic.objects.filter(is_active=True, parent__isnull=False)
        .select_related("parent")
        .order_by("parent__position", "position", "name")
    )


class CallForm(forms.Form):
    line = forms.ModelChoiceField(
        label=_("Line"),
        queryset=HotlineLine.objects.none(),
        error_messages={"required": _("Choose the line."), "invalid_choice": _("Choose the line.")},
    )
    at = forms.DateTimeField(label=_("Call time"), widget=DATETIME, input_formats=DATETIME_FORMATS, required=False)
    duration_minutes = forms.IntegerField(label=_("Duration, minutes"), min_value=1, max_value=600, required=False)
    caller_kind = forms.ChoiceField(
        label=_("Who called"), choices=HotlineCall.CallerKind.choices, widget=forms.RadioSelect
    )
    person = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=1)
    caller_label = forms.CharField(
        label=_("Name given"),
        max_length=200,
        required=False,
        help_text=_("For a relative: how they introduced themselves and whose relative they are."),
    )
    caller_phone = forms.CharField(label=_("Caller's phone"), max_length=40, required=False)
    topic = TopicChoice(
        label=_("What the call was about"),
        queryset=Topic.objects.none(),
        error_messages={"required": _("Choose what the call was about."), "invalid_choice": _("Choose the topic.")},
    )
    risk = forms.ChoiceField(label=_("Risk"), choices=HotlineCall.Risk.choices, widget=forms.RadioSelect)
    action_taken = forms.CharField(
        label=_("What was done"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("Say what was done.")},
        help_text=_("Without details of what the caller told: they are for a consultation's note."),
    )
    handed_to = forms.ChoiceField(
        label=_("Handed over to"),
        choices=[("", _("not handed over")), *ReportedTo.choices],
        required=False,
        help_text=_("For an emergency call: the service you called."),
    )
    handover_reference = forms.CharField(label=_("Their reference number"), max_length=100, required=False)
    safety_plan = forms.CharField(
        label=_("Safety plan"),
        max_length=4000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Stored encrypted; only the psychologists of the service read it."),
    )

    def __init__(self, *args: Any, lines: QuerySet[HotlineLine] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["line"].queryset = lines if lines is not None else HotlineLine.objects.none()  # type: ignore[attr-defined]
        self.fields["topic"].queryset = topic_choices()  # type: ignore[attr-defined]


class HandoverForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1, max_value=VERSION_MAX)
    handed_to = forms.ChoiceField(
        label=_("Handed over to"),
        choices=ReportedTo.choices,
        error_messages={"required": _("Choose whom the call was handed over to.")},
    )
    handover_reference = forms.CharField(label=_("Their reference number"), max_length=100, required=False)


class SafetyPlanForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1, max_value=VERSION_MAX)
    safety_plan = forms.CharField(
        label=_("Safety plan"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": _("Write the safety plan.")},
    )


class FollowUpDoneForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1, max_value=VERSION_MAX)
    result = forms.CharField(
        label=_("Result"), max_length=500, error_messages={"required": _("Say what came of the follow-up.")}
    )
