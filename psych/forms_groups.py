"""Forms of the support group pages: they parse, ``psych.groups`` decides."""

from typing import Any

from django import forms
from django.contrib.auth.models import User
from django.utils.translation import gettext_lazy as _

from cases.staff import psychologists_of
from core.validators import MAX_ID
from directory.models import Organisation
from people.models import ContactPerson, Person
from psych import groups
from psych.models import SupportGroup
from scheduling.models import WeeklyHours

VERSION_MAX = 2**31 - 2
DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
TIME = forms.TimeInput(attrs={"type": "time"}, format="%H:%M")


class FacilitatorChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return str(obj.get_full_name() or obj.get_username())


class GroupForm(forms.Form):
    topic = forms.CharField(
        label=_("Topic"),
        max_length=200,
        help_text=_("For example “Living with the diagnosis” or “For the families of patients”."),
        error_messages={"required": _("Say what the group is about.")},
    )
    audience = forms.ChoiceField(
        label=_("For whom"), choices=SupportGroup.Audience.choices, initial=SupportGroup.Audience.BOTH
    )
    facilitator = FacilitatorChoice(
        label=_("Facilitator"),
        queryset=User.objects.none(),
        required=False,
        empty_label=_("me"),
        error_messages={"invalid_choice": _("The facilitator must be a psychologist of your service.")},
    )
    place = forms.ModelChoiceField(
        label=_("Where"),
        queryset=Organisation.objects.filter(kind__in=groups.PLACE_KINDS).order_by("name"),
        required=False,
        help_text=_("Leave empty for a group that meets online."),
    )
    room = forms.CharField(label=_("Room"), max_length=100, required=False)
    video_link = forms.CharField(
        label=_("Link to the online room"), max_length=400, required=False, widget=forms.URLInput
    )
    weekday = forms.TypedChoiceField(label=_("Weekday"), coerce=int, choices=WeeklyHours.Weekday.choices)
    starts = forms.TimeField(label=_("Time"), widget=TIME)
    duration_minutes = forms.IntegerField(
        label=_("Duration, minutes"), min_value=groups.MIN_DURATION, max_value=groups.MAX_DURATION, initial=90
    )
    first_on = forms.DateField(
        label=_("First session"),
        widget=DATE,
        help_text=_("The first session is on the first chosen weekday from this date."),
    )
    sessions_planned = forms.IntegerField(
        label=_("Number of sessions"), min_value=1, max_value=groups.MAX_SESSIONS, initial=8
    )
    capacity = forms.IntegerField(label=_("Places"), min_value=1, max_value=groups.MAX_CAPACITY, initial=12)

    def __init__(self, *args: Any, service_id: int | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        facilitator = self.fields["facilitator"]
        assert isinstance(facilitator, forms.ModelChoiceField)
        facilitator.queryset = (
            psychologists_of(service_id).order_by("last_name", "first_name") if service_id else User.objects.none()
        )

    def details(self) -> groups.GroupDetails:
        data = self.cleaned_data
        return groups.GroupDetails(
            topic=data["topic"],
            audience=data["audience"],
            facilitator=data["facilitator"],
            place=data["place"],
            room=data["room"],
            video_link=data["video_link"],
            weekday=data["weekday"],
            starts=data["starts"],
            duration_minutes=data["duration_minutes"],
            first_on=data["first_on"],
            sessions_planned=data["sessions_planned"],
            capacity=data["capacity"],
        )


class ChangeGroupForm(GroupForm):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1, max_value=VERSION_MAX)


def group_initial(group: SupportGroup) -> dict[str, Any]:
    return {
        "topic": group.topic,
        "audience": group.audience,
        "facilitator": group.facilitator_id,
        "place": group.place_id,
        "room": group.room,
        "video_link": group.video_link,
        "weekday": group.weekday,
        "starts": group.starts,
        "duration_minutes": group.duration_minutes,
        "first_on": group.first_on,
        "sessions_planned": group.sessions_planned,
        "capacity": group.capacity,
        "version": group.version,
    }


class RelativeChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.full_name} ({obj.get_relation_display()})"


class AddMemberForm(forms.Form):
    """Who joins: the patient found by the search, or one of their relatives who comes in their stead."""

    person = forms.IntegerField(widget=forms.HiddenInput, min_value=1, max_value=MAX_ID)
    relative = RelativeChoice(
        label=_("Who comes"),
        queryset=ContactPerson.objects.none(),
        required=False,
        empty_label=_("the patient"),
        error_messages={"invalid_choice": _("Choose the relative from the list.")},
    )

    def __init__(self, *args: Any, person: Person, group: SupportGroup, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        relative = self.fields["relative"]
        assert isinstance(relative, forms.ModelChoiceField)
        relative.queryset = ContactPerson.objects.filter(person=person).order_by("full_name")
        if group.audience == SupportGroup.Audience.PATIENTS:
            del self.fields["relative"]
        elif group.audience == SupportGroup.Audience.RELATIVES:
            relative.required = True
            relative.empty_label = None
            relative.error_messages["required"] = _("Choose the relative who comes.")
