"""Forms of the operator's screen. They parse and validate; the services write."""

import datetime
import re
from typing import Any, cast

from django import forms
from django.forms import formset_factory
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from assistance.forms_dispatch import VisitWindowForm
from assistance.models import ServiceType, Urgency
from assistance.services import RequestInput
from core.validators import MAX_ID, fold_name, normalise_phone
from directory.models import District
from intake.models import Outcome
from intake.services import NO_REQUEST_OUTCOMES, RowInput
from people.forms import DateField, not_in_future
from people.inputs import PersonInput, PhoneInput
from people.models import Sex


def default_window(now: datetime.datetime | None = None) -> tuple[datetime.date, int, int]:
    """The preset time window: the rest of today if enough of the day is left, else tomorrow 10–18."""
    local = timezone.localtime(now or timezone.now())
    start = max(10, local.hour + 2)
    if start <= 16:
        return local.date(), start, max(18, start + 2)
    return local.date() + datetime.timedelta(days=1), 10, 18


class RequestRowForm(VisitWindowForm):
    """One request of the call."""

    field_order = ["service_type", "details", "address", "window_date", "window_from", "window_to", "urgency"]

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
    urgency = forms.ChoiceField(label=_("urgency"), choices=Urgency.choices, initial=Urgency.NORMAL)
    confirm_duplicate = forms.BooleanField(label=_("create anyway"), required=False)

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
                night_visit=data.get("night_visit", False),
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


def clean_phone_field(value: str) -> str:
    value = (value or "").strip()
    return normalise_phone(value) if value else ""


class CallNoteForm(forms.Form):
    note = forms.CharField(label=_("note on the call"), required=False, max_length=2000)
    phone = forms.CharField(
        label=_("caller's number"),
        required=False,
        max_length=30,
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "off"}),
    )
    # The citizen's relative or contact who is calling on the citizen's behalf (from the screen pop).
    contact = forms.IntegerField(required=False, widget=forms.HiddenInput, min_value=1, max_value=MAX_ID)
    review_token = forms.CharField(widget=forms.HiddenInput, required=False)

    def clean_phone(self) -> str:
        return clean_phone_field(self.cleaned_data.get("phone", ""))


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
    contact = forms.IntegerField(required=False, widget=forms.HiddenInput, min_value=1, max_value=MAX_ID)
    callback_due_at = forms.DateTimeField(
        label=_("call back by"),
        required=False,
        input_formats=["%Y-%m-%dT%H:%M", "%d.%m.%Y %H:%M"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        help_text=_("only when the call needs a callback"),
    )


def default_callback_due(now: datetime.datetime | None = None) -> datetime.datetime:
    """Call back within two hours, rounded up to the quarter hour."""
    local = timezone.localtime(now or timezone.now()) + datetime.timedelta(hours=2)
    return local.replace(second=0, microsecond=0) + datetime.timedelta(minutes=-local.minute % 15)


# --- registering an unknown caller -------------------------------------------------------------------
def districts() -> list[District]:
    return list(District.objects.order_by("name"))


def district_named_in(address: str, choices: list[District] | None = None) -> District | None:
    """The one district whose name the address names as a word ("р-н Марьино"), else None."""
    folded = fold_name(address)
    if not folded:
        return None
    found = [
        d
        for d in (choices if choices is not None else districts())
        if re.search(rf"(?<!\w){re.escape(fold_name(d.name))}(?!\w)", folded)
    ]
    return found[0] if len(found) == 1 else None


class RegisterCallerForm(forms.Form):
    """A caller nobody registered: who they are, where they live (the district routes their requests) and
    their consent to the processing of personal data, asked on the call."""

    surname = forms.CharField(
        label=_("surname"),
        max_length=100,
        error_messages={"required": _("Enter the surname.")},
        widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "off"}),
    )
    given_name = forms.CharField(
        label=_("given name"), max_length=100, error_messages={"required": _("Enter the given name.")}
    )
    patronymic = forms.CharField(label=_("patronymic"), max_length=100, required=False)
    birth_date = DateField(label=_("date of birth"), required=False, validators=[not_in_future])
    sex = forms.ChoiceField(label=_("sex"), choices=Sex.choices, initial=Sex.UNKNOWN)
    phone = forms.CharField(
        label=_("phone"), max_length=30, widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "off"})
    )
    address = forms.CharField(label=_("address"), max_length=300, required=False)
    district = forms.CharField(
        label=_("district"),
        max_length=200,
        required=False,
        help_text=_("required: start typing the name; filled in from the address when it names the district"),
        widget=forms.TextInput(attrs={"list": "district-names", "autocomplete": "off"}),
    )
    consent = forms.BooleanField(
        label=_("the caller agrees to the processing of their personal data"),
        error_messages={
            "required": _("Without the consent to the processing of personal data the citizen cannot be registered.")
        },
    )
    confirm_not_duplicate = forms.BooleanField(label=_("I checked: this is a different person"), required=False)
    call = forms.CharField(required=False, max_length=100, widget=forms.HiddenInput)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.district_choices = districts()

    def clean_surname(self) -> str:
        return " ".join(self.cleaned_data["surname"].split())

    def clean_given_name(self) -> str:
        return " ".join(self.cleaned_data["given_name"].split())

    def clean_phone(self) -> str:
        return normalise_phone(self.cleaned_data.get("phone", ""))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        name = fold_name(data.get("district", ""))
        district: District | None = None
        if name:
            district = next((d for d in self.district_choices if fold_name(d.name) == name), None)
            if district is None:
                self.add_error("district", _("No such district: choose one from the list."))
        else:
            district = district_named_in(data.get("address", ""), self.district_choices)
            if district is not None:
                # Shown filled in if the form comes back for another reason.
                shown = cast(Any, self.data).copy()
                shown[self.add_prefix("district")] = district.name
                self.data = shown
            else:
                self.add_error("district", _("Choose the district: requests are routed to the TCSO that serves it."))
        data["district_obj"] = district
        return data

    def to_input(self) -> PersonInput:
        data = self.cleaned_data
        district = data.get("district_obj")
        return PersonInput(
            surname=data["surname"],
            given_name=data["given_name"],
            patronymic=data.get("patronymic", ""),
            birth_date=data.get("birth_date"),
            sex=data.get("sex") or Sex.UNKNOWN,
            address=data.get("address", ""),
            district_id=district.pk if district else None,
            phones=[PhoneInput(number=data["phone"], is_primary=True)],
        )
