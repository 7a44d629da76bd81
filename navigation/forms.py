"""Forms of the navigation pages; the rules are the services'."""

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.validators import MAX_ID
from directory.models import Organisation
from navigation.models import Referral


class ReferralForm(forms.Form):
    polyclinic = forms.ModelChoiceField(label=_("Polyclinic"), queryset=Organisation.objects.none(), empty_label="—")
    referring_doctor = forms.CharField(label=_("Referring doctor"), max_length=200)
    referred_on = forms.DateField(
        label=_("Date of the referral"), widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"})
    )
    diagnosis = forms.CharField(
        label=_("Suspected diagnosis, ICD-10 code"),
        max_length=10,
        help_text=_("From C00 to D48, e.g. C50 or C50.4."),
        widget=forms.TextInput(attrs={"list": "icd-codes", "autocomplete": "off"}),
    )
    urgency = forms.ChoiceField(label=_("Urgency"), choices=Referral.Urgency.choices)
    note = forms.CharField(label=_("Note"), max_length=500, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["polyclinic"].queryset = Organisation.objects.filter(  # type: ignore[attr-defined]
            kind=Organisation.Kind.POLYCLINIC, is_active=True
        ).order_by("name")
        self.fields["referred_on"].initial = timezone.localdate()


class AgreeForm(forms.Form):
    version = forms.IntegerField(min_value=1, max_value=MAX_ID, widget=forms.HiddenInput)
    reminders_by = forms.ChoiceField(label=_("Reminders"), choices=Referral.Contact.choices, widget=forms.RadioSelect)
    evidence = forms.CharField(
        label=_("How the consent was given"),
        max_length=300,
        initial=_("signed at the polyclinic with the referral"),
    )


class RefuseForm(forms.Form):
    version = forms.IntegerField(min_value=1, max_value=MAX_ID, widget=forms.HiddenInput)
    refusal_reason = forms.CharField(label=_("Why the patient refused"), max_length=300)
