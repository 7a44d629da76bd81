"""The citizen card as a frame: a registry of tabs (and sections of tabs) that apps contribute.

`people` draws the header and the tab navigation and knows nothing of the programmes above it. Each app
declares its tab in ``<app>/card.py`` and registers it in its ``AppConfig.ready()``::

    register_tab(CardTab(code="requests", title=_("Requests"), order=50, permission=None, view=requests_tab))

An app may also add a section to another app's tab (calls and visits under the requests)::

    register_section(CardSection(tab="requests", code="interactions", order=10, view=interactions_section))

A view answers the partial's HTML for one citizen: a string from ``render_to_string`` (or any string of
HTML) or an ``HttpResponse``. A tab whose app is not installed is simply not there, and the sections
registered for it are not shown.

This module also holds `people`'s own tabs (overview, relatives, documents, consents, journal);
``PeopleConfig.ready()`` registers them.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.utils.functional import Promise
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext_lazy as _

from audit.journal import LIMIT as JOURNAL_LIMIT
from audit.journal import JournalFilter, journal_of, people_in
from audit.labels import describe
from people.forms import ConsentForm, ContactPersonForm, IdentityDocumentForm
from people.models import IdentityDocument, Person

CardView = Callable[[HttpRequest, Person], HttpResponse | str]


@dataclass(frozen=True)
class CardTab:
    """One tab of the card: ``/people/<pk>/<code>/``, shown to users with ``permission`` on the citizen."""

    code: str
    title: str | Promise
    order: int
    permission: str | None
    view: CardView


@dataclass(frozen=True)
class CardSection:
    """A part of another app's tab, drawn below the tab's own content in ``order``."""

    tab: str
    code: str
    order: int
    view: CardView
    permission: str | None = None


_tabs: dict[str, CardTab] = {}
_sections: dict[str, dict[str, CardSection]] = {}


def register_tab(tab: CardTab) -> None:
    if tab.code in _tabs:
        raise ImproperlyConfigured(f"The citizen card already has a tab {tab.code!r}.")
    _tabs[tab.code] = tab


def unregister_tab(code: str) -> None:
    """Remove a tab (tests register fake apps' tabs and take them away again)."""
    _tabs.pop(code, None)


def register_section(section: CardSection) -> None:
    sections = _sections.setdefault(section.tab, {})
    if section.code in sections:
        raise ImproperlyConfigured(f"The card tab {section.tab!r} already has a section {section.code!r}.")
    sections[section.code] = section


def unregister_section(tab_code: str, code: str) -> None:
    _sections.get(tab_code, {}).pop(code, None)


def get_tab(code: str) -> CardTab | None:
    return _tabs.get(code)


def _allowed(user: Any, permission: str | None, person: Person) -> bool:
    return permission is None or user.has_perm(permission, person)


def tabs_for(user: Any, person: Person) -> list[CardTab]:
    """The tabs ``user`` may open on ``person``'s card, in their order."""
    tabs = sorted(_tabs.values(), key=lambda tab: (tab.order, tab.code))
    return [tab for tab in tabs if _allowed(user, tab.permission, person)]


def sections_for(user: Any, person: Person, tab_code: str) -> list[CardSection]:
    sections = sorted(_sections.get(tab_code, {}).values(), key=lambda section: (section.order, section.code))
    return [section for section in sections if _allowed(user, section.permission, person)]


def _html(answer: HttpResponse | str) -> str:
    if isinstance(answer, HttpResponse):
        return answer.content.decode(answer.charset)
    return answer


def render_panel(request: HttpRequest, person: Person, tab: CardTab, view: CardView | None = None) -> SafeString:
    """The tab's own partial followed by the sections other apps add to it.

    ``view`` replaces the tab's view (the card's forms re-render their tab with a bound form).
    """
    parts = [_html((view or tab.view)(request, person))]
    parts += [_html(section.view(request, person)) for section in sections_for(request.user, person, tab.code)]
    # Every part is the output of an app's own template, escaped there; the contract is "HTML".
    return mark_safe("".join(parts))  # noqa: S308


# --- people's own tabs ---------------------------------------------------------------------------------
def _render(request: HttpRequest, tab: str, person: Person, **context: Any) -> str:
    """``people/card/<tab>.html`` for ``person``; the shared tables look at ``tab`` and ``can_change``."""
    context.update(tab=tab, person=person, can_change=request.user.has_perm("people.change_person", person))
    return render_to_string(f"people/card/{tab}.html", context, request=request)


def overview_tab(request: HttpRequest, person: Person) -> str:
    return _render(
        request,
        "overview",
        person,
        phones=list(person.phones.all()),
        contacts=list(person.contacts.all()),
        documents=list(person.documents.all()),
        consents=list(person.consents.select_related("recorded_by")),
    )


def contacts_tab(request: HttpRequest, person: Person, form: Any = None) -> str:
    return _render(request, "contacts", person, contacts=list(person.contacts.all()), form=form or ContactPersonForm())


def documents_tab(request: HttpRequest, person: Person, form: Any = None) -> str:
    return _render(
        request,
        "documents",
        person,
        documents=list(person.documents.all()),
        form=form or IdentityDocumentForm(),
        status_choices=IdentityDocument.Status.choices,
    )


def consents_tab(request: HttpRequest, person: Person, form: Any = None) -> str:
    return _render(
        request,
        "consents",
        person,
        consents=list(person.consents.select_related("recorded_by", "withdrawn_by")),
        form=form or ConsentForm(),
    )


def journal_tab(request: HttpRequest, person: Person) -> str:
    """Who read or changed the citizen's records and where they were shown, by who / action / period."""
    form = JournalFilter(request.GET or None, people=people_in(person.pk))
    chosen = form.cleaned_data if form.is_valid() else {}
    events = journal_of(
        person.pk,
        who=chosen.get("who"),
        action=chosen.get("action") or "",
        since=chosen.get("since"),
        until=chosen.get("until"),
    )
    sections = {code: tab.title for code, tab in _tabs.items()}
    rows = describe(events, person_id=person.pk, sections=sections)
    return _render(
        request,
        "journal",
        person,
        rows=rows,
        form=form,
        limit=JOURNAL_LIMIT,
        filtered=any(v not in (None, "") for v in chosen.values()),
    )


PEOPLE_TABS = (
    CardTab(code="overview", title=_("Overview"), order=10, permission=None, view=overview_tab),
    CardTab(code="contacts", title=_("Relatives"), order=20, permission=None, view=contacts_tab),
    CardTab(code="documents", title=_("Documents"), order=30, permission=None, view=documents_tab),
    CardTab(code="consents", title=_("Consents"), order=40, permission=None, view=consents_tab),
    CardTab(code="journal", title=_("Journal"), order=900, permission="audit.view_person_journal", view=journal_tab),
)
