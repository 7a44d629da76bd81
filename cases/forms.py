"""Forms of the case pages: they parse, the services decide."""

from django import forms
from django.utils.translation import gettext_lazy as _

from cases.models import Case, Need, Responsible, StepKind

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
