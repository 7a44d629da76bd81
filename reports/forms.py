from django import forms

from directory.models import Organisation
from reports.periods import CODES


class DashboardFilters(forms.Form):
    """The dashboard's query string. A value that does not parse is dropped, never an error page."""

    period = forms.ChoiceField(choices=[(code, code) for code in CODES], required=False)
    tcso = forms.ModelChoiceField(queryset=Organisation.objects.filter(kind=Organisation.Kind.TCSO), required=False)
