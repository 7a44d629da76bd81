"""Forms of the dispatcher's request page. They parse and validate; the services write."""

import datetime
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from assistance.forms_field import VersionForm
from people.forms import DateField

# The hours a visit window may start and end at, as the operator offers them (intake's request form too).
FIRST_HOUR, LAST_HOUR = 8, 22
HOUR_CHOICES = [(h, f"{h:02d}:00") for h in range(FIRST_HOUR, LAST_HOUR + 1)]


class VisitWindowForm(forms.Form):
    """A visit window agreed with the citizen: a day, not past, and the hours from and until."""

    window_date = DateField(label=_("date"), error_messages={"required": _("Enter the date.")})
    window_from = forms.TypedChoiceField(label=_("from"), choices=HOUR_CHOICES, coerce=int)
    window_to = forms.TypedChoiceField(label=_("until"), choices=HOUR_CHOICES, coerce=int)
    # Without it, a time window at night is left to the dispatcher to agree (assistance.selectors.night_window).
    night_visit = forms.BooleanField(label=_("the citizen asks for a visit outside working hours"), required=False)

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


class RescheduleForm(VersionForm, VisitWindowForm):
    """The visit moved to a new window (assistance.services.reschedule)."""

    reason = forms.CharField(label=_("what was agreed with the citizen"), required=False, max_length=500)
