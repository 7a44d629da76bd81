"""Forms of the consultation pages. They parse input; every rule is the services' (psych.services, psych.notes)."""

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from core.validators import MAX_ID
from psych.models import Consultation, ReportedTo, Topic


def topic_choices() -> list[tuple[Any, Any]]:
    """Active topics grouped under their parent, as <optgroup>s."""
    topics = list(Topic.objects.filter(is_active=True).select_related("parent"))
    groups: dict[str, list[tuple[int, str]]] = {}
    for topic in topics:
        if topic.parent_id is None and any(t.parent_id == topic.pk for t in topics):
            continue
        group = topic.parent.name if topic.parent is not None else str(_("Other"))
        groups.setdefault(group, []).append((topic.pk, topic.name))
    return [("", "—"), *groups.items()]


class WalkInForm(forms.Form):
    client_label = forms.CharField(
        label=_("Name as the client gives it"),
        required=False,
        max_length=200,
        help_text=_("Leave empty for an anonymous client."),
    )
    client_kind = forms.ChoiceField(label=_("Client"), choices=Consultation.ClientKind.choices)
    person = forms.IntegerField(required=False, min_value=1, max_value=MAX_ID, widget=forms.HiddenInput)
    place = forms.IntegerField(required=False, min_value=1, max_value=MAX_ID, widget=forms.HiddenInput)


class VersionForm(forms.Form):
    version = forms.IntegerField(min_value=1, max_value=MAX_ID, widget=forms.HiddenInput)


class MoveForm(VersionForm):
    to = forms.ChoiceField(choices=Consultation.Status.choices, widget=forms.HiddenInput)
    reason = forms.CharField(label=_("Reason"), required=False, max_length=300)


class FinishForm(VersionForm):
    topic = forms.TypedChoiceField(label=_("Topic"), coerce=int, choices=())
    outcome = forms.ChoiceField(label=_("Outcome"), choices=[("", "—"), *Consultation.Outcome.choices])
    next_step = forms.CharField(label=_("Next step"), required=False, max_length=300)
    duration_minutes = forms.IntegerField(
        label=_("Duration, minutes"),
        required=False,
        min_value=1,
        max_value=480,
        help_text=_("Empty: counted from the start."),
    )
    close_step = forms.BooleanField(label=_("Mark the route step done"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["topic"].choices = topic_choices()  # type: ignore[attr-defined]


class NoteForm(forms.Form):
    text = forms.CharField(label=_("Session note"), widget=forms.Textarea(attrs={"rows": 8}), max_length=20000)
    version = forms.IntegerField(min_value=0, max_value=MAX_ID, widget=forms.HiddenInput)


class AddendumForm(forms.Form):
    text = forms.CharField(label=_("Addendum"), widget=forms.Textarea(attrs={"rows": 4}), max_length=20000)


class BreachForm(forms.Form):
    reason = forms.CharField(label=_("Risk to life: what happened"), max_length=500)
    reported_to = forms.ChoiceField(label=_("Reported to"), choices=[("", "—"), *ReportedTo.choices])
    reported_to_detail = forms.CharField(label=_("Whom exactly"), required=False, max_length=200)
    reference_number = forms.CharField(label=_("Their reference number"), required=False, max_length=100)
    supervisor = forms.TypedChoiceField(label=_("Supervisor informed"), coerce=int, choices=())

    def __init__(self, *args: Any, supervisors: list[Any] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["supervisor"].choices = [  # type: ignore[attr-defined]
            ("", "—"),
            *[(u.pk, u.get_full_name() or u.get_username()) for u in supervisors or []],
        ]


class BookForm(forms.Form):
    slot = forms.IntegerField(min_value=1, max_value=MAX_ID, widget=forms.HiddenInput)
    format = forms.ChoiceField(label=_("Format"), choices=Consultation.Format.choices)
    client_kind = forms.ChoiceField(label=_("Client"), choices=Consultation.ClientKind.choices)
    relative = forms.TypedChoiceField(label=_("Relative"), coerce=int, required=False, empty_value=None, choices=())
    client_label = forms.CharField(label=_("Name, if not on the card"), required=False, max_length=200)
    client_phone = forms.CharField(label=_("Phone for the link and the reminder"), required=False, max_length=40)
    client_email = forms.CharField(label=_("E-mail for the link"), required=False, max_length=254)
    topic = forms.TypedChoiceField(label=_("Topic"), coerce=int, required=False, empty_value=None, choices=())
    route_step = forms.TypedChoiceField(
        label=_("Step of the route of help"), coerce=int, required=False, empty_value=None, choices=()
    )

    def __init__(
        self, *args: Any, relatives: list[Any] | None = None, steps: list[Any] | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["relative"].choices = [  # type: ignore[attr-defined]
            ("", "—"),
            *[(r.pk, f"{r.full_name} ({r.get_relation_display()})") for r in relatives or []],
        ]
        self.fields["topic"].choices = topic_choices()  # type: ignore[attr-defined]
        self.fields["route_step"].choices = [  # type: ignore[attr-defined]
            ("", "—"),
            *[(s.pk, f"№ {s.case_id}: {s.title}") for s in steps or []],
        ]
