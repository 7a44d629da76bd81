"""Forms of the operator's screen. They parse and validate; the services write."""

import datetime
from typing import Any, cast

from django import forms
from django.forms import formset_factory
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from assistance.models import ServiceType, Urgency
from assistance.services import RequestInput
from core.validators import MAX_ID
from intake.models import Outcome
from intake.services import NO_REQUEST_OUTCOMES, RowInput
from people.forms import DateField

FIRST_HOUR, LAST_HOUR = 8, 22
HOUR_CHOICES = [(h, f"{h:02d}:00") for h in range(FIRST_HOUR, LAST_HOUR + 1)]


def default_window(now: datetime.datetime | None = None) -> tuple[datetime.date, int, int]:
    """The preset time window: the rest of today if enough of the day is left, else tomorrow 10–18."""
    local = timezone.localtime(now or timezone.now())
    start = max(10, local.hour + 2)
    if start <= 16:
        return local.date(), start, max(18, start + 2)
    return local.date() + datetime.timedelta(days=1), 10, 18


class RequestRowForm(forms.Form):
    """One request of the call."""

    service_type = forms.ModelChoiceField(
        label=_("service"),
        queryset=ServiceType.objects.filter(is_active=True).order_by("sort_order", "name"),
        empty_label="—",
        error_messages={"required": _("Choose the service.")},
    )
    details = forms.CharField(
        label=_("what is needed"),
        required=False,
        max_length=2000,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    address = forms.CharField(label=_("address (confirm with the caller)"), required=False, max_length=300)
    window_date = DateField(label=_("date"), error_messages={"required": _("Enter the date.")})
    window_from = forms.TypedChoiceField(label=_("from"), choices=HOUR_CHOICES, coerce=int)
    window_to = forms.TypedChoiceField(label=_("until"), choices=HOUR_CHOICES, coerce=int)
    urgency = forms.ChoiceField(label=_("urgency"), choices=Urgency.choices, initial=Urgency.NORMAL)
    confirm_duplicate = forms.BooleanField(label=_("create anyway"), required=False)

    def clean_window_date(self) -> datetime.date:
        value: datetime.date = self.cleaned_data["window_date"]
        if value < timezone.localdate():
            raise forms.ValidationError(_("The date cannot be in the past."), code="past")
        return value

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("window_from"), data.get("window_to")
        if start is not None and end is not None and end <= start:
            self.add_error("window_to", _("The end of the time window must be after its start."))
        return data

    def window(self) -> tuple[datetime.datetime, datetime.datetime]:
        data = self.cleaned_data
        tz = timezone.get_current_timezone()
        day: datetime.date = data["window_date"]
        start = datetime.datetime.combine(day, datetime.time(data["window_from"]), tzinfo=tz)
        end = datetime.datetime.combine(day, datetime.time(0), tzinfo=tz) + datetime.timedelta(hours=data["window_to"])
        return start, end

    def to_row(self, person_address: str) -> RowInput:
        start, end = self.window()
        data = self.cleaned_data
        return RowInput(
            data=RequestInput(
                service_type=data["service_type"],
                details=data.get("details", ""),
                address=data.get("address") or person_address,
                urgency=data["urgency"],
                window_start=start,
                window_end=end,
            ),
            confirm_duplicate=data.get("confirm_duplicate", False),
        )


class BaseRequestRowFormSet(forms.BaseFormSet):
    def __init__(self, *args: Any, row_defaults: dict[str, Any] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.row_defaults = row_defaults or {}
        for form in self.forms:
            form.empty_permitted = False  # every row shown is a request: a blank row is an error
            form.use_required_attribute = False

    @property
    def empty_form(self) -> forms.Form:
        """The row that "add another request" copies (intake.js), with the same defaults as the first."""
        form = super().empty_form
        form.initial = dict(self.row_defaults)
        return form


RequestRowFormSet = cast(
    type[BaseRequestRowFormSet],
    formset_factory(RequestRowForm, formset=BaseRequestRowFormSet, extra=0, min_num=1, max_num=10, absolute_max=10),
)


def row_initial(address: str, now: datetime.datetime | None = None) -> dict[str, Any]:
    day, start, end = default_window(now)
    return {
        "address": address,
        "window_date": day,
        "window_from": start,
        "window_to": end,
        "urgency": Urgency.NORMAL,
    }


class CallNoteForm(forms.Form):
    note = forms.CharField(label=_("note on the call"), required=False, max_length=2000)
    review_token = forms.CharField(widget=forms.HiddenInput, required=False)


class InteractionForm(forms.Form):
    """A call that produced no request."""

    outcome = forms.ChoiceField(
        label=_("outcome"),
        choices=[(o.value, o.label) for o in NO_REQUEST_OUTCOMES],
        initial=Outcome.INFORMATION_ONLY,
    )
    person = forms.IntegerField(required=False, widget=forms.HiddenInput, min_value=1, max_value=MAX_ID)
    note = forms.CharField(label=_("note"), required=False, max_length=2000)
    phone = forms.CharField(required=False, max_length=32, widget=forms.HiddenInput)
    call = forms.CharField(required=False, max_length=100, widget=forms.HiddenInput)
    # The version of the telephony's call the operator saw (empty when the screen showed no call).
    call_version = forms.IntegerField(required=False, widget=forms.HiddenInput, min_value=1, max_value=MAX_ID)
