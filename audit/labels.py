"""The journal in words a person reads: who (by name), did what, to which record, which fields.

The journal stores codes (``people.person``, ``["surname", "phones"]``, ``caller_id``) so that sealed
entries never change; this module turns them into the current Russian names when the journal is shown.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.utils.functional import Promise
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from audit.models import Action, AuditEvent
from core.actor import Origin
from core.roles import Role

Label = str | Promise

# Parts of records an entry names in details["section"] that are not tabs of the citizen's card.
SECTIONS: dict[str, Label] = {
    "card": _("card"),
    "edit": _("editing form"),
    "journey": _("patient's route"),
    "appointment": _("appointment"),
    "receipt": _("receipt"),
    "note": _("consultation notes"),
    "safety_plan": _("safety plan"),
    "group_members": _("group members"),
    "group_member_relatives": _("group members' relatives"),
}

# How a search found the citizen (details["kind"]): the screen pop, the duplicate check, or the search
# page by what was typed ("phone+name").
SEARCH_KINDS: dict[str, Label] = {
    "caller_id": _("shown on the screen pop of an incoming call"),
    "duplicate_check": _("shown among possible duplicates when a citizen was registered"),
}
SEARCH_TERMS: dict[str, Label] = {
    "phone": _("phone"),
    "snils": _("SNILS"),
    "birth_date": _("date of birth"),
    "name": pgettext_lazy("search term", "name"),
}

# Journal field names that are not fields of the record's model.
EXTRA_FIELDS: dict[str, Label] = {
    "phones": _("phones"),
    "evidence": _("evidence"),
}


# The same for one kind of record only ("assistance.helprequest": its «assignee»), where another model
# has a field of that name with a name of its own.
RECORD_FIELDS: dict[str, dict[str, Label]] = {}


def register_fields(labels: dict[str, Label], *, object_type: str = "") -> None:
    """An app names the fields it journals that are not fields of the record's model (a programme's
    journey on its case: «stage», «steps»…); called from its ``AppConfig.ready``. With ``object_type``
    the names hold for entries on that kind of record only."""
    if object_type:
        RECORD_FIELDS.setdefault(object_type, {}).update(labels)
    else:
        EXTRA_FIELDS.update(labels)


ORIGINS: dict[str, Label] = {
    Origin.UI: pgettext_lazy("journal origin", "in the application"),
    Origin.API: pgettext_lazy("journal origin", "through the API"),
    Origin.SYSTEM: pgettext_lazy("journal origin", "by the system"),
}

ACTIONS: dict[str, Label] = dict(Action.choices)


def model_of(object_type: str) -> type[models.Model] | None:
    try:
        return apps.get_model(object_type)
    except (LookupError, ValueError):
        return None


def record_type(object_type: str) -> str:
    """``people.person`` → «Гражданин»: the model's verbose name, or the code of a model since removed."""
    model = model_of(object_type)
    return str(capfirst(model._meta.verbose_name)) if model is not None else object_type


def field_label(model: type[models.Model] | None, name: str) -> str:
    own = RECORD_FIELDS.get(model._meta.label_lower, {}) if model is not None else {}
    if name in own:
        return str(own[name])
    if name in EXTRA_FIELDS:
        return str(EXTRA_FIELDS[name])
    if model is not None:
        try:
            found = model._meta.get_field(name)
        except FieldDoesNotExist:
            return name
        related = found.related_model
        if found.is_relation and not found.concrete and related is not None and not isinstance(related, str):
            # A reverse relation (a person's phones): the related records' name.
            return str(related._meta.verbose_name_plural)
        verbose = getattr(found, "verbose_name", None)
        if verbose:
            return str(verbose)
    return name


def field_labels(object_type: str, names: Iterable[str]) -> list[str]:
    model = model_of(object_type)
    return [field_label(model, name) for name in names]


def section_label(section: str, extra: Mapping[str, Label] | None = None) -> str:
    if extra and section in extra:
        return str(extra[section])
    return str(SECTIONS.get(section, section))


def search_label(details: Mapping[str, Any]) -> str:
    kind = str(details.get("kind", ""))
    if kind in SEARCH_KINDS:
        return str(SEARCH_KINDS[kind])
    terms = [str(SEARCH_TERMS.get(term, term)) for term in kind.split("+") if term and term != "empty"]
    if not terms:
        return str(_("shown in search results"))
    return str(_("shown in search results (searched by %(terms)s)") % {"terms": ", ".join(terms)})


def role_labels(codes: str) -> str:
    names = dict(Role.choices)
    return ", ".join(str(names.get(code, code)) for code in codes.split(",") if code)


def actor_names(events: Iterable[AuditEvent]) -> dict[int, str]:
    """The full names of the users behind ``events`` (one query); a user without a name keeps the login."""
    ids = {e.actor_id for e in events if e.actor_id is not None}
    names: dict[int, str] = {}
    for user in get_user_model().objects.filter(pk__in=ids):
        full = " ".join(part for part in (user.last_name, user.first_name) if part)
        names[user.pk] = full or user.get_username()
    return names


@dataclass
class JournalRow:
    """One entry as the citizen's card shows it."""

    event: AuditEvent
    who: str
    login: str
    roles: str
    action: str
    record: str
    fields: list[str] = field(default_factory=list)
    note: str = ""
    origin: str = ""
    shown: bool = False  # the citizen was among the entry's results, not its subject


def describe(
    events: Iterable[AuditEvent], *, person_id: int, sections: Mapping[str, Label] | None = None
) -> list[JournalRow]:
    """The rows of ``person_id``'s journal for ``events``: names of people, records, actions and fields."""
    events = list(events)
    names = actor_names(events)
    rows = []
    for event in events:
        shown = event.person_id != person_id
        details = event.details if isinstance(event.details, dict) else {}
        note = ""
        if shown or event.action == Action.SEARCH:
            action = search_label(details)
            if person_id in (details.get("search_level") or ()):
                note = str(_("name, date of birth and district only"))
        else:
            action = str(ACTIONS.get(event.action, event.action))
            if details.get("section"):
                note = section_label(str(details["section"]), sections)
        if event.object_id and not shown:
            record = str(
                _("%(type)s no. %(number)s") % {"type": record_type(event.object_type), "number": event.object_id}
            )
        else:
            record = record_type(event.object_type)
        rows.append(
            JournalRow(
                event=event,
                who=names.get(event.actor_id, event.actor_username) if event.actor_id else event.actor_username,
                login=event.actor_username,
                roles=role_labels(event.actor_roles),
                action=action,
                record=record,
                fields=field_labels(event.object_type, event.fields or ()),
                note=note,
                origin=str(ORIGINS.get(event.origin, event.origin)),
                shown=shown,
            )
        )
    return rows
