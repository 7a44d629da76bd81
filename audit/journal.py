"""A citizen's journal: the entries about them and those that showed them, filtered by who, action, period."""

import datetime
from collections.abc import Sequence
from typing import Any

from django import forms
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from audit.labels import actor_names
from audit.models import Action, AuditEvent, ShownPerson

LIMIT = 200
DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class JournalFilter(forms.Form):
    who = forms.TypedChoiceField(label=_("Who"), required=False, coerce=int, empty_value=None)
    action = forms.ChoiceField(label=_("Action"), required=False)
    since = forms.DateField(
        label=pgettext_lazy("period", "From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    until = forms.DateField(
        label=pgettext_lazy("period", "To"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args: Any, people: Sequence[tuple[int, str]] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        who = self.fields["who"]
        action = self.fields["action"]
        assert isinstance(who, forms.ChoiceField) and isinstance(action, forms.ChoiceField)
        who.choices = [("", _("anyone")), *people]
        actions = [(value, label) for value, label in Action.choices if value != Action.SEARCH]
        action.choices = [("", _("any action")), *actions, (Action.SEARCH, _("shown in a search or on a screen pop"))]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        since, until = data.get("since"), data.get("until")
        if since and until and since > until:
            self.add_error("until", _("The end of the period is before its start."))
        return data


def _entries(person_id: int) -> tuple[QuerySet[AuditEvent], QuerySet[ShownPerson]]:
    """The entries about the citizen, and the index rows of those that showed them among others."""
    return AuditEvent.objects.filter(person_id=person_id), ShownPerson.objects.filter(person_id=person_id)


def people_in(person_id: int) -> list[tuple[int, str]]:
    """Who appears in the citizen's journal, by name, for the filter."""
    about, shown = _entries(person_id)
    ids = set(about.exclude(actor_id=None).values_list("actor_id", flat=True).distinct())
    ids |= set(shown.exclude(event__actor_id=None).values_list("event__actor_id", flat=True).distinct())
    names = actor_names([AuditEvent(actor_id=pk) for pk in ids])
    return sorted(names.items(), key=lambda item: item[1])


def _local_midnight(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def journal_of(
    person_id: int,
    *,
    who: int | None = None,
    action: str = "",
    since: datetime.date | None = None,
    until: datetime.date | None = None,
    limit: int = LIMIT,
) -> list[AuditEvent]:
    """The newest ``limit`` entries of the citizen's journal matching the filter, newest first.

    Two indexed look-ups merged here, instead of one OR that neither index answers: the entries by
    ``person_id``, and the entries that showed the citizen, walked from the index (person, entry) newest
    first.
    """
    filters: dict[str, Any] = {}
    if who is not None:
        filters["actor_id"] = who
    if since is not None:
        filters["at__gte"] = _local_midnight(since)
    if until is not None:
        filters["at__lt"] = _local_midnight(until + datetime.timedelta(days=1))
    condition = Q(**filters)
    about, shown = _entries(person_id)
    found: dict[int, AuditEvent] = {}
    if action != Action.SEARCH:
        about = about.filter(condition)
        for event in (about.filter(action=action) if action else about).order_by("-id")[:limit]:
            found[event.pk] = event
    if not action or action == Action.SEARCH:
        on_event = Q(**{f"event__{name}": value for name, value in filters.items()})
        ids = list(shown.filter(on_event).order_by("-event_id").values_list("event_id", flat=True)[:limit])
        if action:
            about_searches = AuditEvent.objects.filter(condition, person_id=person_id, action=Action.SEARCH)
            ids += list(about_searches.order_by("-id").values_list("id", flat=True)[:limit])
        for event in AuditEvent.objects.filter(pk__in=ids):
            found[event.pk] = event
    return sorted(found.values(), key=lambda e: e.pk, reverse=True)[:limit]
