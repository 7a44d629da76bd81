"""Forms of the navigation pages; the rules are the services'."""

from typing import Any

from django import forms
from django.contrib.auth.models import User
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from assistance.models import ServiceType, Urgency
from core.roles import Role
from core.validators import MAX_ID
from directory.models import Organisation
from navigation.models import Appointment, Journey, LateReason, Milestone, Referral, Reply, Stage


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


# --- the journey, its steps, appointments, calls and hand-overs (issue 14, §2–§4) ------------------------

DATE_WIDGET = forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"})


class Versioned(forms.Form):
    version = forms.IntegerField(min_value=1, max_value=MAX_ID, widget=forms.HiddenInput)


class StageForm(Versioned):
    stage = forms.ChoiceField(label=_("Move to the stage"), choices=Stage.choices)
    began_on = forms.DateField(label=_("Since"), widget=DATE_WIDGET)
    diagnosis_result = forms.ChoiceField(
        label=_("Diagnosis"),
        choices=[("", "—"), *[c for c in Journey.Diagnosis.choices if c[0]]],
        required=False,
    )
    closed_because = forms.ChoiceField(
        label=_("Closed because"), choices=[("", "—"), *Journey.ClosedBecause.choices], required=False
    )

    def __init__(self, *args: Any, stages: list[str] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if stages is not None:
            labels = dict(Stage.choices)
            self.fields["stage"].choices = [(s, labels[s]) for s in stages]  # type: ignore[attr-defined]
        self.fields["began_on"].initial = timezone.localdate()


class StepDoneForm(Versioned):
    done_on = forms.DateField(label=_("Done on"), widget=DATE_WIDGET)
    late_reason = forms.ChoiceField(label=_("If late, why"), choices=[("", "—"), *LateReason.choices], required=False)
    note = forms.CharField(label=_("Note"), max_length=500, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["done_on"].initial = timezone.localdate()


class StepSkipForm(Versioned):
    note = forms.CharField(label=_("Why it is not needed"), max_length=500)


class DelayForm(Versioned):
    late_reason = forms.ChoiceField(label=_("Why late"), choices=LateReason.choices)
    note = forms.CharField(label=_("Note"), max_length=500, required=False)


class AddStepForm(forms.Form):
    milestone = forms.ChoiceField(label=_("Kind"), choices=Milestone.choices)
    title = forms.CharField(label=_("Step"), max_length=200)
    due_on = forms.DateField(label=_("Due"), widget=DATE_WIDGET)


# The resources the assistant searches, and the appointment each books by default.
RESOURCE_CHOICES = [
    ("oncologist", _("Oncologist")),
    ("ct", _("CT scan")),
    ("mri", _("MRI scan")),
    ("ultrasound", _("Ultrasound")),
    ("biopsy", _("Biopsy")),
]
KIND_OF_RESOURCE = {
    "oncologist": "oncologist",
    "ct": "ct",
    "mri": "mri",
    "ultrasound": "ultrasound",
    "biopsy": "biopsy",
}


class SlotSearchForm(forms.Form):
    resource = forms.ChoiceField(label=_("What"), choices=RESOURCE_CHOICES)
    after = forms.DateField(label=pgettext_lazy("date", "From"), required=False, widget=DATE_WIDGET)
    kind = forms.ChoiceField(
        label=_("Appointment"),
        choices=[("", _("as the search says")), *Appointment.Kind.choices],
        required=False,
        help_text=_("A follow-up visit or a tumour board is booked with the oncologist."),
    )


class BookForm(forms.Form):
    slot = forms.IntegerField(min_value=1, max_value=MAX_ID, widget=forms.HiddenInput)
    kind = forms.ChoiceField(label=_("Appointment"), choices=Appointment.Kind.choices)


class MoveForm(Versioned):
    slot = forms.IntegerField(min_value=1, max_value=MAX_ID, widget=forms.HiddenInput)


class CancelForm(Versioned):
    reason = forms.CharField(label=_("Why cancelled"), max_length=300)


class OutcomeForm(Versioned):
    outcome = forms.ChoiceField(
        label=_("Did the patient come?"),
        choices=[("attended", _("came")), ("missed", _("did not come"))],
        widget=forms.RadioSelect,
    )
    result = forms.CharField(
        label=_("Result"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class ReplyForm(Versioned):
    reply = forms.ChoiceField(label=_("The patient answered"), choices=Reply.choices, widget=forms.RadioSelect)


class CallDoneForm(Versioned):
    result = forms.CharField(label=_("Result of the call"), max_length=500)


class PsychForm(forms.Form):
    service = forms.ModelChoiceField(label=_("Psychological service"), queryset=Organisation.objects.none())
    relative = forms.TypedChoiceField(label=_("For whom"), coerce=int, required=False, empty_value=None)
    note = forms.CharField(label=_("What about (no diagnosis)"), max_length=150, required=False)

    def __init__(self, *args: Any, services: list[Organisation], relatives: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["service"].queryset = Organisation.objects.filter(  # type: ignore[attr-defined]
            pk__in=[s.pk for s in services]
        ).order_by("name")
        if len(services) == 1:
            self.fields["service"].initial = services[0].pk
        self.fields["relative"].choices = [  # type: ignore[attr-defined]
            ("", _("the patient")),
            *[(r.pk, f"{r.full_name} ({r.get_relation_display()})") for r in relatives],
        ]


class TcsoForm(forms.Form):
    service_type = forms.ModelChoiceField(label=_("Help needed"), queryset=ServiceType.objects.none())
    details = forms.CharField(label=_("Details"), max_length=3000, widget=forms.Textarea(attrs={"rows": 3}))
    urgency = forms.ChoiceField(label=_("Urgency"), choices=Urgency.choices)
    consent_evidence = forms.CharField(
        label=_("How the patient consented to sharing their data with the TCSO"), max_length=300, required=False
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["service_type"].queryset = ServiceType.objects.filter(  # type: ignore[attr-defined]
            is_active=True
        ).order_by("name")


class ReassignForm(Versioned):
    assistant = forms.ModelChoiceField(label=_("New personal assistant"), queryset=User.objects.none())
    reason = forms.CharField(label=_("Reason"), max_length=300)

    def __init__(self, *args: Any, exclude: int | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        assistants = User.objects.filter(groups__name=Role.NAVIGATOR, is_active=True).exclude(pk=exclude or 0)
        field = self.fields["assistant"]
        field.queryset = assistants.order_by("last_name", "first_name")  # type: ignore[attr-defined]
        field.label_from_instance = lambda u: u.get_full_name() or u.get_username()  # type: ignore[attr-defined]
