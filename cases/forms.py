"""Forms of the case pages: they parse, the services decide."""

from collections.abc import Iterable
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from assistance.models import ServiceType, Urgency
from cases.models import Case, Need, RelativeCall, Responsible, StepKind
from core.validators import MAX_ID
from people.models import Consent, ContactPerson, IdentityDocument

# A version column holds a 32-bit integer and a save writes version + 1: larger values are refused here,
# not by the database (a server error on PostgreSQL).
VERSION_MAX = 2**31 - 2
DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class OpenCaseForm(forms.Form):
    reason = forms.CharField(
        label=_("Why you open the case"),
        max_length=300,
        help_text=_("For example “admitted today”, “brought by ambulance, not admitted”. It goes into the journal."),
        error_messages={"required": _("Say why you open the case.")},
    )
    department = forms.CharField(label=_("Department"), max_length=200, required=False)
    emergency_not_admitted = forms.BooleanField(label=_("Emergency, not admitted"), required=False)
    admitted_on = forms.DateField(label=_("Admitted"), required=False, widget=DATE)
    expected_discharge_on = forms.DateField(label=_("Expected discharge"), required=False, widget=DATE)


class StayForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1, max_value=VERSION_MAX)
    department = forms.CharField(label=_("Department"), max_length=200, required=False)
    emergency_not_admitted = forms.BooleanField(label=_("Emergency, not admitted"), required=False)
    admitted_on = forms.DateField(label=_("Admitted"), required=False, widget=DATE)
    expected_discharge_on = forms.DateField(label=_("Expected discharge"), required=False, widget=DATE)
    discharged_on = forms.DateField(label=_("Discharged"), required=False, widget=DATE)


class AssessmentForm(forms.Form):
    needs = forms.MultipleChoiceField(
        label=_("What the patient needs"), choices=Need.choices, required=False, widget=forms.CheckboxSelectMultiple
    )
    note = forms.CharField(label=_("Note"), required=False, max_length=4000, widget=forms.Textarea(attrs={"rows": 3}))


class StepForm(forms.Form):
    title = forms.CharField(label=_("Step"), max_length=200, error_messages={"required": _("Say what is to be done.")})
    kind = forms.ChoiceField(label=_("Kind"), choices=StepKind.choices, initial=StepKind.OTHER)
    responsible = forms.ChoiceField(label=_("Responsible"), choices=Responsible.choices)
    due_on = forms.DateField(label=_("Due"), required=False, widget=DATE)


class MoveForm(forms.Form):
    version = forms.IntegerField(min_value=1, max_value=VERSION_MAX)
    to = forms.CharField(max_length=20)
    result = forms.CharField(required=False, max_length=4000)
    reason = forms.CharField(required=False, max_length=500)


class CloseForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1, max_value=VERSION_MAX)
    outcome = forms.ChoiceField(label=_("How the case ended"), choices=Case.Outcome.choices)
    note = forms.CharField(label=_("Note"), required=False, max_length=500)


class HandoffForm(forms.Form):
    """Hand a step of the route over to the TCSO of the patient's district."""

    step = forms.TypedChoiceField(label=_("Step to hand over"), coerce=int, choices=())
    service_type = forms.ModelChoiceField(
        label=_("Help the TCSO is asked for"),
        queryset=ServiceType.objects.filter(is_active=True),
        error_messages={
            "required": _("Choose the help the TCSO is asked for."),
            "invalid_choice": _("Choose the help from the list."),
        },
    )
    urgency = forms.ChoiceField(label=_("Urgency"), choices=Urgency.choices, initial=Urgency.NORMAL)
    details = forms.CharField(
        label=_("What the TCSO should know"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "For example: discharged on Friday, lives on the 5th floor without a lift, the daughter has the keys."
        ),
    )

    def __init__(self, *args: Any, steps: list[tuple[int, str]] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["step"].choices = steps or []  # type: ignore[attr-defined]


class WithdrawHandoffForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1, max_value=VERSION_MAX)
    reason = forms.CharField(
        label=_("Why the hand-off is withdrawn"),
        max_length=500,
        error_messages={"required": _("Say why the hand-off is withdrawn.")},
    )


# --- consent, relatives and documents (cases.family, cases.documents) ---------------------------------


class ConsentForm(forms.Form):
    scope = forms.ChoiceField(
        choices=[(s.value, s.label) for s in (Consent.Scope.CONTACT_RELATIVES, Consent.Scope.SHARE_WITH_TCSO)],
        widget=forms.HiddenInput,
    )
    evidence = forms.CharField(
        label=_("How the patient agreed"),
        max_length=300,
        error_messages={"required": _("Say how the patient agreed.")},
    )


class ContactCallForm(forms.Form):
    """A call to one of the patient's contact persons: who they are is on the card."""

    contact = forms.IntegerField(widget=forms.HiddenInput, min_value=1, max_value=MAX_ID)
    phone = forms.CharField(label=_("Phone"), max_length=40, required=False)
    outcome = forms.ChoiceField(label=_("How the call went"), choices=RelativeCall.Outcome.choices)
    note = forms.CharField(label=_("Note"), max_length=1000, required=False)


class NewCallForm(forms.Form):
    """A call to someone who is not among the patient's contact persons yet."""

    full_name = forms.CharField(
        label=_("Whom you called"), max_length=300, error_messages={"required": _("Say whom you called.")}
    )
    relation = forms.ChoiceField(
        label=_("Who they are to the patient"),
        choices=[("", "—"), *ContactPerson.Relation.choices],
        error_messages={"required": _("Choose who the person is to the patient.")},
    )
    phone = forms.CharField(
        label=_("Phone"), max_length=40, error_messages={"required": _("Enter a phone number, e.g. +7 916 123-45-67.")}
    )
    outcome = forms.ChoiceField(label=_("How the call went"), choices=RelativeCall.Outcome.choices)
    note = forms.CharField(label=_("Note"), max_length=1000, required=False)
    add_to_contacts = forms.BooleanField(
        label=_("Reached: add to the patient's contact persons"), required=False, initial=True
    )


class StartRestorationForm(forms.Form):
    """A document of the card to restore, or the kind of a document the card does not have."""

    document = forms.TypedChoiceField(label=_("A document on the card"), coerce=int, required=False, empty_value=None)
    kind = forms.ChoiceField(
        label=_("Or a document not on the card"), choices=[("", "—"), *IdentityDocument.Kind.choices], required=False
    )
    note = forms.CharField(label=_("Note"), max_length=500, required=False)

    def __init__(self, *args: Any, documents: Iterable[IdentityDocument] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = [(str(d.pk), f"{d} ({d.get_status_display()})") for d in documents]
        self.fields["document"].choices = [("", "—"), *choices]  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not data.get("document") and not data.get("kind"):
            raise forms.ValidationError(_("Choose the document to restore."))
        return data


class ApplicationForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1, max_value=VERSION_MAX)
    applied_to = forms.CharField(
        label=_("where applied"),
        max_length=300,
        error_messages={"required": _("Say where the application was made.")},
    )
    applied_on = forms.DateField(label=_("applied on"), widget=DATE)
    expected_on = forms.DateField(label=_("expected ready"), required=False, widget=DATE)


class ReceiptForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1, max_value=VERSION_MAX)
    received_on = forms.DateField(label=_("received on"), widget=DATE)
    number = forms.CharField(label=_("Series and number"), max_length=50, required=False)


class CancelRestorationForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1, max_value=VERSION_MAX)
    reason = forms.CharField(
        label=_("Why it is not needed"), max_length=500, error_messages={"required": _("Say why it is not needed.")}
    )


class CrisisForm(forms.Form):
    note = forms.CharField(
        label=_("What happened"),
        max_length=500,
        help_text=_("Seen by the hospital's psychologists and supervisors; not sent by SMS or e-mail."),
        error_messages={"required": _("Say what happened.")},
    )


class EndCrisisForm(forms.Form):
    outcome = forms.CharField(
        label=_("What was done"),
        max_length=500,
        error_messages={"required": _("Say what was done.")},
    )
