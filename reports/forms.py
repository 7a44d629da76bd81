import datetime
from typing import Any

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from directory.models import Organisation
from reports.periods import CODES, MAX_DAYS

DATE_FORMATS = ["%Y-%m-%d", "%d.%m.%Y"]  # what <input type="date"> sends, and what a person types


class DashboardFilters(forms.Form):
    """The dashboard's query string. A period or TCSO that does not parse is dropped, never an error page;
    a from–to period that is wrong is an error shown above the figures (which then cover ``period``)."""

    period = forms.ChoiceField(choices=[(code, code) for code in CODES], required=False)
    tcso = forms.ModelChoiceField(queryset=Organisation.objects.filter(kind=Organisation.Kind.TCSO), required=False)
    date_from = forms.DateField(
        label=gettext_lazy("From"),
        required=False,
        input_formats=DATE_FORMATS,
        error_messages={"invalid": gettext_lazy("Enter the first day as a date, e.g. 01.03.2026.")},
    )
    date_to = forms.DateField(
        label=gettext_lazy("To"),
        required=False,
        input_formats=DATE_FORMATS,
        error_messages={"invalid": gettext_lazy("Enter the last day as a date, e.g. 31.03.2026.")},
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        first: datetime.date | None = data.get("date_from")
        last: datetime.date | None = data.get("date_to")
        if self.has_error("date_from") or self.has_error("date_to"):
            return data
        if (first is None) != (last is None):
            raise forms.ValidationError(_("Enter both the first and the last day of the period."))
        if first is not None and last is not None:
            if last < first:
                raise forms.ValidationError(_("The last day of the period is before the first."))
            if (last - first).days + 1 > MAX_DAYS:
                raise forms.ValidationError(_("A period may be at most %(days)d days long.") % {"days": MAX_DAYS})
        return data

    def date_range(self) -> tuple[datetime.date, datetime.date] | None:
        """The from–to period, if both days were given and are right; call after ``is_valid()``."""
        if self.errors.get("date_from") or self.errors.get("date_to") or self.non_field_errors():
            return None
        first, last = self.cleaned_data.get("date_from"), self.cleaned_data.get("date_to")
        return (first, last) if first is not None and last is not None else None
