"""Pages of the citizen registry: search, card with tabs, create and edit."""

import functools
from collections.abc import Callable
from typing import Any, NamedTuple
from urllib.parse import urlencode

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.actor import Actor
from core.exceptions import ConcurrentEditError, ValidationError
from core.permissions import require
from people import card, selectors, services
from people.forms import (
    ConsentForm,
    ContactPersonForm,
    DocumentStatusForm,
    IdentityDocumentForm,
    PersonForm,
    PhoneFormSet,
    phones_from,
)
from people.models import Consent, ContactPerson, IdentityDocument, Person, PersonPhone

# The card's own tabs that carry a form: a failed POST re-renders its tab with the bound form.
_FORM_TABS: dict[str, Callable[..., str]] = {
    "contacts": card.contacts_tab,
    "documents": card.documents_tab,
    "consents": card.consents_tab,
}


def _page_number(request: HttpRequest) -> int:
    """The results page asked for (1 for anything that is not a sensible page number)."""
    text = request.GET.get("page", "")
    return int(text) if text.isdigit() and 0 < int(text) <= 1000 else 1


def person_list(request: HttpRequest) -> HttpResponse:
    """The operator's search: one box for phone, name, SNILS, date of birth or a request's number.

    Results come a page of ``MAX_RESULTS`` at a time (one more row is read to know whether a next page
    exists); a request number answers with the request, if the user may open it.
    """
    require(request.user, "people.search_person")
    raw = request.GET.get("q", "").strip()
    query = selectors.parse_query(raw)
    page = _page_number(request)
    per_page = selectors.MAX_RESULTS
    results: list[selectors.FoundPerson] = []
    hits: list[selectors.NumberHit] = []
    if query.request_number:
        hits = selectors.find_by_number(request.user, query.request_number)
    elif not query.is_empty:
        results = selectors.find_people(request.user, query, limit=per_page + 1, offset=(page - 1) * per_page)
        services.record_search(actor=Actor.from_request(request), kind=query.kind, results=results[:per_page])
    has_next = len(results) > per_page
    results = results[:per_page]
    search_level = selectors.searches_at_search_level(request.user)

    def page_url(number: int) -> str:
        return reverse("people:list") + "?" + urlencode({"q": raw, "page": number})

    context = {
        "q": raw,
        "query": query,
        "results": results,
        "number_hits": hits,
        "searched": not query.is_empty or bool(query.request_number),
        "unparsed": bool(raw) and query.is_empty and not query.request_number,
        "search_level": search_level,
        # Only rows with a card show a phone and an address: the columns are left out when there is none.
        "show_phones": any(r.card for r in results),
        "narrow_for_search_level": search_level
        and not query.is_empty
        and not selectors.qualifies_for_search_level(query),
        "page": page,
        "first_shown": (page - 1) * per_page + 1,
        "last_shown": (page - 1) * per_page + len(results),
        "previous_url": page_url(page - 1) if page > 1 else "",
        "next_url": page_url(page + 1) if has_next else "",
    }
    template = "people/_results.html" if request.htmx else "people/person_list.html"  # type: ignore[attr-defined]
    return render(request, template, context)


def _get_person(request: HttpRequest, pk: int) -> Person:
    return selectors.get_visible_person(request.user, pk)


def person_detail(request: HttpRequest, pk: int, tab: str = "overview") -> HttpResponse:
    """The citizen card with one tab open; an HTMX tab link gets only the card's body (navigation and tab)."""
    card_tab = card.get_tab(tab)
    if card_tab is None:
        raise Http404
    person = _get_person(request, pk)
    if card_tab.permission is not None:
        require(request.user, card_tab.permission, person)
    services.record_person_view(person=person, actor=Actor.from_request(request), section=tab)
    context = _card_context(request, person, tab)
    htmx = request.htmx  # type: ignore[attr-defined]
    # A history restore after a cache miss needs the whole page, as a first visit does.
    partial = bool(htmx) and not htmx.history_restore_request
    response = render(request, "people/card/body.html" if partial else "people/person_detail.html", context)
    # The same URL answers a page or a fragment: caches must keep them apart (the back button).
    patch_vary_headers(response, ["HX-Request"])
    return response


def _tab_url(person: Person, code: str) -> str:
    if code == "overview":
        return reverse("people:detail", args=[person.pk])
    return reverse("people:tab", args=[person.pk, code])


def _card_context(request: HttpRequest, person: Person, tab: str, form: Any = None) -> dict[str, Any]:
    """The card around the ``tab`` of the registry; ``form`` is a bound form of one of people's own tabs."""
    card_tab = card.get_tab(tab)
    if card_tab is None:
        raise Http404
    view = functools.partial(_FORM_TABS[tab], form=form) if form is not None else None
    return {
        "person": person,
        "tab": tab,
        "tabs": [
            {"code": t.code, "title": t.title, "url": _tab_url(person, t.code)}
            for t in card.tabs_for(request.user, person)
        ],
        "can_change": request.user.has_perm("people.change_person", person),
        "panel": card.render_panel(request, person, card_tab, view),
    }


def _phone_formset(request: HttpRequest, person: Person | None) -> Any:
    if request.method == "POST":
        return PhoneFormSet(request.POST, prefix="phones")
    initial = []
    if person is not None:
        initial = [{"number": p.display, "kind": p.kind, "is_primary": p.is_primary} for p in person.phones.all()]
    formset = PhoneFormSet(prefix="phones", initial=initial or [{"kind": PersonPhone.Kind.MOBILE, "is_primary": True}])
    return formset


class ShownDuplicate(NamedTuple):
    """A possible duplicate on the registration form: its name and birth date, its card linked if open."""

    person: Person
    reason: str
    card: bool


def person_create(request: HttpRequest) -> HttpResponse:
    require(request.user, "people.add_person")
    phone = request.GET.get("phone", "")
    form = PersonForm(request.POST or None)
    phones = _phone_formset(request, None)
    if request.method == "GET" and phone:
        phones = PhoneFormSet(prefix="phones", initial=[{"number": phone, "kind": "mobile", "is_primary": True}])
    duplicates: list[ShownDuplicate] = []
    if request.method == "POST" and form.is_valid() and phones.is_valid():
        data = form.to_input(phones_from(phones))
        try:
            person = services.create_person(
                data=data,
                actor=Actor.from_request(request),
                confirm_not_duplicate=bool(form.cleaned_data.get("confirm_not_duplicate")),
            )
        except services.DuplicateFound as found:
            # A candidate's card is linked only for whoever may open it; the others see name and birth date.
            duplicates = [
                ShownDuplicate(c.person, c.reason, request.user.has_perm("people.view_person", c.person))
                for c in found.candidates
            ]
            if found.same_snils:
                form.add_error("snils", found.message)
            else:
                form.add_error(
                    None,
                    _(
                        "This citizen may already be registered. Open the existing card, or confirm "
                        "that this is a different person and save again."
                    ),
                )
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            if request.user.has_perm("people.view_person", person):
                messages.success(request, _("Citizen registered."))
                return redirect("people:detail", pk=person.pk)
            # A role that opens cards only by a relation finds the new citizen at search level.
            messages.success(
                request,
                _("Citizen registered. Their card opens to you once your work with them is recorded."),
            )
            return redirect(f"{reverse('people:list')}?{urlencode({'q': _search_text(person)})}")
    return render(
        request,
        "people/person_form.html",
        {
            "form": form,
            "phones": phones,
            "duplicates": duplicates,
            "person": None,
        },
    )


def _search_text(person: Person) -> str:
    """What finds ``person`` in the search box: surname, given name and birth date."""
    parts = [person.surname, person.given_name]
    if person.birth_date:
        parts.append(person.birth_date.strftime("%d.%m.%Y"))
    return " ".join(parts)


def person_edit(request: HttpRequest, pk: int) -> HttpResponse:
    person = _get_person(request, pk)
    require(request.user, "people.change_person", person)
    form = PersonForm(request.POST or None, instance=person)
    phones = _phone_formset(request, person)
    conflict = False
    if request.method == "POST" and form.is_valid() and phones.is_valid():
        version = form.cleaned_data.get("version") or 0
        data = form.to_input(phones_from(phones))
        fresh = Person.objects.get(pk=pk)  # the form has already written its values into `person`
        try:
            services.update_person(person=fresh, data=data, version=version, actor=Actor.from_request(request))
        except ConcurrentEditError as exc:
            conflict = True
            form.add_error(None, str(exc.message))
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(request, _("Changes saved."))
            return redirect("people:detail", pk=pk)
    else:
        services.record_person_view(person=person, actor=Actor.from_request(request), section="edit")
    return render(
        request,
        "people/person_form.html",
        {
            "form": form,
            "phones": phones,
            "person": person,
            "duplicates": [],
            "conflict": conflict,
        },
    )


def _apply_errors(form: Any, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


def _redirect_tab(pk: int, tab: str) -> HttpResponse:
    return redirect("people:tab", pk=pk, tab=tab)


@require_POST
def contact_add(request: HttpRequest, pk: int) -> HttpResponse:
    person = _get_person(request, pk)
    require(request.user, "people.change_person", person)
    form = ContactPersonForm(request.POST)
    if form.is_valid():
        services.add_contact(person=person, actor=Actor.from_request(request), **form.cleaned_data)
        messages.success(request, _("Contact person added."))
        return _redirect_tab(pk, "contacts")
    return render(request, "people/person_detail.html", _card_context(request, person, "contacts", form), status=400)


@require_POST
def contact_permission(request: HttpRequest, pk: int, contact_pk: int) -> HttpResponse:
    person = _get_person(request, pk)
    require(request.user, "people.change_person", person)
    contact = get_object_or_404(ContactPerson.objects.select_related("person"), pk=contact_pk, person=person)
    services.set_contact_permission(
        contact=contact, may_contact=request.POST.get("may_contact") == "1", actor=Actor.from_request(request)
    )
    messages.success(request, _("Permission to contact updated."))
    return _redirect_tab(pk, "contacts")


@require_POST
def document_add(request: HttpRequest, pk: int) -> HttpResponse:
    person = _get_person(request, pk)
    require(request.user, "people.change_person", person)
    form = IdentityDocumentForm(request.POST)
    if form.is_valid():
        services.add_document(person=person, actor=Actor.from_request(request), **form.cleaned_data)
        messages.success(request, _("Document added."))
        return _redirect_tab(pk, "documents")
    return render(request, "people/person_detail.html", _card_context(request, person, "documents", form), status=400)


@require_POST
def document_status(request: HttpRequest, pk: int, document_pk: int) -> HttpResponse:
    person = _get_person(request, pk)
    require(request.user, "people.change_person", person)
    document = get_object_or_404(IdentityDocument.objects.select_related("person"), pk=document_pk, person=person)
    form = DocumentStatusForm(request.POST)
    if form.is_valid():
        services.set_document_status(
            document=document,
            actor=Actor.from_request(request),
            status=form.cleaned_data["status"],
            note=form.cleaned_data["note"],
        )
        messages.success(request, _("Document status updated."))
    else:
        messages.error(request, _("Choose a document status."))
    return _redirect_tab(pk, "documents")


@require_POST
def consent_give(request: HttpRequest, pk: int) -> HttpResponse:
    person = _get_person(request, pk)
    require(request.user, "people.change_person", person)
    form = ConsentForm(request.POST)
    if form.is_valid():
        try:
            services.give_consent(person=person, actor=Actor.from_request(request), **form.cleaned_data)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("Consent recorded."))
    else:
        messages.error(request, _("Choose what the citizen consents to."))
    return _redirect_tab(pk, "consents")


@require_POST
def consent_withdraw(request: HttpRequest, pk: int, consent_pk: int) -> HttpResponse:
    person = _get_person(request, pk)
    require(request.user, "people.change_person", person)
    consent = get_object_or_404(Consent.objects.select_related("person"), pk=consent_pk, person=person)
    try:
        services.withdraw_consent(consent=consent, actor=Actor.from_request(request))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Consent withdrawn."))
    return _redirect_tab(pk, "consents")
