"""Forms of the citizen registry. They parse and validate; the services write."""

import datetime
from typing import Any

from django import forms
from django.forms import formset_factory
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.validators import MAX_ID, normalise_oms, normalise_phone, normalise_snils
from directory.models import District
from people.inputs import PersonInput, PhoneInput
from people.models import Consent, ContactPerson, IdentityDocument, Person, PersonPhone

DATE_FORMATS = ["%d.%m.%Y", "%Y-%m-%d", "%d%m%Y", "%d/%m/%Y"]


class DateField(forms.DateField):
    """Dates typed the Russian way (31.12.1945), whatever the UI language."""

    widget = forms.DateInput(attrs={"placeholder": _("DD.MM.YYYY"), "inputmode": "numeric"}, format="%d.%m.%Y")

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("input_formats", DATE_FORMATS)
        # The example of the format is kept when a form names its own messages (e.g. "required").
        kwargs["error_messages"] = {"invalid": _("Enter a date as DD.MM.YYYY, e.g. 05.03.1944.")} | kwargs.get(
            "error_messages", {}
        )
        super().__init__(**kwargs)


def not_in_future(value: datetime.date | None) -> None:
    if value and value > timezone.localdate():
        raise forms.ValidationError(_("The date cannot be in the future."), code="future")


class PersonForm(forms.ModelForm):
    birth_date = DateField(label=_("date of birth"), required=False, validators=[not_in_future])
    snils = forms.CharField(
        label=_("SNILS"),
        required=False,
        max_length=20,
        widget=forms.TextInput(attrs={"placeholder": "123-456-789 01", "inputmode": "numeric"}),
    )
    oms_number = forms.CharField(
        label=_("OMS policy number"),
        required=False,
        max_length=25,
        widget=forms.TextInput(attrs={"inputmode": "numeric"}),
    )
    district = forms.ModelChoiceField(
        label=_("district"),
        queryset=District.objects.select_related("okrug").order_by("name"),
        required=False,
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=0, max_value=MAX_ID)
    confirm_not_duplicate = forms.BooleanField(
        label=_("I checked: this is a different person"),
        required=False,
    )

    class Meta:
        model = Person
        fields = [
            "surname",
            "given_name",
            "patronymic",
            "birth_date",
            "sex",
            "address",
            "district",
            "snils",
            "oms_number",
            "disability_group",
            "chronic_illness",
            "lives_alone",
            "self_isolating",
            "preferred_language",
            "contact_times",
        ]
        widgets = {"surname": forms.TextInput(attrs={"autofocus": True, "autocomplete": "off"})}
        error_messages = {
            "surname": {"required": _("Enter the surname.")},
            "given_name": {"required": _("Enter the given name.")},
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.initial.setdefault("version", self.instance.version)
            self.initial["snils"] = self.instance.snils_display

    def clean_surname(self) -> str:
        return " ".join(self.cleaned_data["surname"].split())

    def clean_given_name(self) -> str:
        return " ".join(self.cleaned_data["given_name"].split())

    def clean_snils(self) -> str | None:
        value = self.cleaned_data.get("snils", "").strip()
        return normalise_snils(value) if value else None

    def clean_oms_number(self) -> str | None:
        value = self.cleaned_data.get("oms_number", "").strip()
        return normalise_oms(value) if value else None

    def to_input(self, phones: list[PhoneInput]) -> PersonInput:
        data = self.cleaned_data
        district = data.get("district")
        return PersonInput(
            surname=data["surname"],
            given_name=data["given_name"],
            patronymic=data.get("patronymic", ""),
            birth_date=data.get("birth_date"),
            sex=data["sex"],
            address=data.get("address", ""),
            district_id=district.pk if district else None,
            snils=data.get("snils"),
            oms_number=data.get("oms_number"),
            disability_group=data.get("disability_group", ""),
            chronic_illness=data.get("chronic_illness", False),
            lives_alone=data.get("lives_alone", False),
            self_isolating=data.get("self_isolating", False),
            preferred_language=data.get("preferred_language", "ru"),
            contact_times=data.get("contact_times", ""),
            phones=phones,
        )


class PhoneForm(forms.Form):
    number = forms.CharField(
        label=_("phone"),
        required=False,
        max_length=30,
        widget=forms.TextInput(attrs={"type": "tel", "placeholder": "+7 916 123-45-67", "autocomplete": "off"}),
    )
    kind = forms.ChoiceField(label=_("kind"), choices=PersonPhone.Kind.choices, initial=PersonPhone.Kind.MOBILE)
    is_primary = forms.BooleanField(label=_("primary"), required=False)

    def clean_number(self) -> str:
        value = self.cleaned_data.get("number", "").strip()
        return normalise_phone(value) if value else ""


PhoneFormSet = formset_factory(PhoneForm, extra=1, max_num=5, absolute_max=5)


def phones_from(formset: Any) -> list[PhoneInput]:
    return [
        PhoneInput(
            number=f.cleaned_data["number"],
            kind=f.cleaned_data["kind"],
            is_primary=f.cleaned_data.get("is_primary", False),
        )
        for f in formset.forms
        if f.cleaned_data.get("number")
    ]


class ContactPersonForm(forms.ModelForm):
    phone = forms.CharField(
        label=_("phone"), required=False, max_length=30, widget=forms.TextInput(attrs={"type": "tel"})
    )

    class Meta:
        model = ContactPerson
        fields = ["full_name", "relation", "phone", "may_contact", "note"]

    def clean_phone(self) -> str:
        value = self.cleaned_data.get("phone", "").strip()
        return normalise_phone(value) if value else ""


class IdentityDocumentForm(forms.ModelForm):
    issued_on = DateField(label=_("issued on"), required=False, validators=[not_in_future])

    class Meta:
        model = IdentityDocument
        fields = ["kind", "number", "issued_on", "status", "note"]


class DocumentStatusForm(forms.Form):
    status = forms.ChoiceField(label=_("status"), choices=IdentityDocument.Status.choices)
    note = forms.CharField(label=_("note"), required=False, max_length=300)


class ConsentForm(forms.Form):
    scope = forms.ChoiceField(label=_("scope"), choices=Consent.Scope.choices)
    evidence = forms.CharField(
        label=_("evidence"),
        required=False,
        max_length=300,
        help_text=_("e.g. said on a recorded call, signed form No. …"),
    )
