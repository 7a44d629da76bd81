"""Pages of the citizen registry: search, card with tabs, create and edit."""

from typing import Any

from django.contrib import messages
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from audit.models import AuditEvent
from core.exceptions import ConcurrentEditError, ValidationError
from people import selectors, services
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

CARD_TABS = [
    ("overview", gettext_lazy("Overview")),
    ("contacts", gettext_lazy("Relatives")),
    ("documents", gettext_lazy("Documents")),
    ("consents", gettext_lazy("Consents")),
    ("requests", gettext_lazy("Requests")),
    ("cases", gettext_lazy("Cases")),
    ("consultations", gettext_lazy("Consultations")),
    ("appointments", gettext_lazy("Appointments")),
    ("journal", gettext_lazy("Journal")),
]


def _user(request: HttpRequest) -> User:
    """The logged-in user (LoginRequiredMiddleware keeps anonymous visitors out of these views)."""
    assert isinstance(request.user, User)
    return request.user


def _require(request: HttpRequest, perm: str, obj: Any = None) -> None:
    if not request.user.has_perm(perm, obj):
        raise PermissionDenied


def person_list(request: HttpRequest) -> HttpResponse:
    """The operator's search: one box for phone, name, SNILS or date of birth."""
    _require(request, "people.search_person")
    raw = request.GET.get("q", "").strip()
    query = selectors.parse_query(raw)
    results: list[Person] = []
    if not query.is_empty:
        results = selectors.search_people(query, base=selectors.visible_people(_user(request)))
        services.record_search(by=_user(request), kind=query.kind, results=results, request=request)
    context = {
        "q": raw,
        "query": query,
        "results": results,
        "searched": not query.is_empty,
        "unparsed": bool(raw) and query.is_empty,
    }
    template = "people/_results.html" if request.htmx else "people/person_list.html"  # type: ignore[attr-defined]
    return render(request, template, context)


def _get_person(request: HttpRequest, pk: int) -> Person:
    person = get_object_or_404(Person.objects.select_related("district__okrug", "created_by"), pk=pk)
    _require(request, "people.view_person", person)
    return person


def person_detail(request: HttpRequest, pk: int, tab: str = "overview") -> HttpResponse:
    if tab not in dict(CARD_TABS):
        raise Http404
    person = _get_person(request, pk)
    if tab == "journal":
        _require(request, "audit.view_person_journal", person)
    services.record_person_view(person=person, by=_user(request), request=request, section=tab)
    return render(request, "people/person_detail.html", _card_context(request, person, tab))


def _card_context(request: HttpRequest, person: Person, tab: str, form: Any = None) -> dict[str, Any]:
    can_change = request.user.has_perm("people.change_person", person)
    context: dict[str, Any] = {
        "person": person,
        "tab": tab,
        "tabs": [
            (code, label)
            for code, label in CARD_TABS
            if code != "journal" or request.user.has_perm("audit.view_person_journal", person)
        ],
        "can_change": can_change,
        "phones": list(person.phones.all()),
    }
    if tab == "overview":
        context["contacts"] = list(person.contacts.all())
        context["documents"] = list(person.documents.all())
        context["consents"] = list(person.consents.select_related("recorded_by"))
    elif tab == "contacts":
        context["contacts"] = list(person.contacts.all())
        context["form"] = form or ContactPersonForm()
    elif tab == "documents":
        context["documents"] = list(person.documents.all())
        context["form"] = form or IdentityDocumentForm()
        context["status_choices"] = IdentityDocument.Status.choices
    elif tab == "consents":
        context["consents"] = list(person.consents.select_related("recorded_by", "withdrawn_by"))
        context["form"] = form or ConsentForm()
    elif tab == "requests":
        context["help_requests"] = _person_requests(request, person)
        # Calls and visits, through the reverse relation for the same reason as the requests.
        context["interactions"] = list(person.interactions.select_related("operator").order_by("-started_at")[:50])
    elif tab == "journal":
        context["events"] = list(AuditEvent.objects.filter(person_id=person.pk).order_by("-id")[:200])
    return context


def _person_requests(request: HttpRequest, person: Person) -> list[Any]:
    """The citizen's help requests, newest first, each with its latest worker and whether it can be opened."""
    # Through the reverse relation, so that `people` does not import `assistance` (which sits above it);
    # assignments come newest first (their default ordering).
    help_requests: list[Any] = list(
        person.help_requests.select_related("service_type", "tcso")
        .prefetch_related("assignments__worker")
        .order_by("-created_at", "-id")
    )
    for help_request in help_requests:
        assignments = list(help_request.assignments.all())
        help_request.assignee = assignments[0].worker if assignments else None
        help_request.can_open = request.user.has_perm("assistance.view_request", help_request)
    return help_requests


def _phone_formset(request: HttpRequest, person: Person | None) -> Any:
    if request.method == "POST":
        return PhoneFormSet(request.POST, prefix="phones")
    initial = []
    if person is not None:
        initial = [{"number": p.display, "kind": p.kind, "is_primary": p.is_primary} for p in person.phones.all()]
    formset = PhoneFormSet(prefix="phones", initial=initial or [{"kind": PersonPhone.Kind.MOBILE, "is_primary": True}])
    return formset


def person_create(request: HttpRequest) -> HttpResponse:
    _require(request, "people.add_person")
    phone = request.GET.get("phone", "")
    form = PersonForm(request.POST or None)
    phones = _phone_formset(request, None)
    if request.method == "GET" and phone:
        phones = PhoneFormSet(prefix="phones", initial=[{"number": phone, "kind": "mobile", "is_primary": True}])
    duplicates: list[selectors.DuplicateCandidate] = []
    if request.method == "POST" and form.is_valid() and phones.is_valid():
        data = form.to_input(phones_from(phones))
        duplicates = selectors.duplicates_for(data)
        same_snils = [d for d in duplicates if d.reason == "snils"]
        if same_snils:
            form.add_error("snils", _("A citizen with this SNILS is already registered."))
        elif duplicates and not form.cleaned_data.get("confirm_not_duplicate"):
            form.add_error(
                None,
                _(
                    "This citizen may already be registered. Open the existing card, or confirm "
                    "that this is a different person and save again."
                ),
            )
        else:
            try:
                person = services.create_person(data=data, by=_user(request), request=request)
            except ValidationError as exc:
                _apply_errors(form, exc)
            else:
                messages.success(request, _("Citizen registered."))
                return redirect("people:detail", pk=person.pk)
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


def person_edit(request: HttpRequest, pk: int) -> HttpResponse:
    person = _get_person(request, pk)
    _require(request, "people.change_person", person)
    form = PersonForm(request.POST or None, instance=person)
    phones = _phone_formset(request, person)
    conflict = False
    if request.method == "POST" and form.is_valid() and phones.is_valid():
        version = form.cleaned_data.get("version") or 0
        data = form.to_input(phones_from(phones))
        fresh = Person.objects.get(pk=pk)  # the form has already written its values into `person`
        try:
            services.update_person(person=fresh, data=data, version=version, by=_user(request), request=request)
        except ConcurrentEditError as exc:
            conflict = True
            form.add_error(None, str(exc.message))
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(request, _("Changes saved."))
            return redirect("people:detail", pk=pk)
    else:
        services.record_person_view(person=person, by=_user(request), request=request, section="edit")
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
    _require(request, "people.change_person", person)
    form = ContactPersonForm(request.POST)
    if form.is_valid():
        services.add_contact(person=person, by=_user(request), request=request, **form.cleaned_data)
        messages.success(request, _("Contact person added."))
        return _redirect_tab(pk, "contacts")
    return render(request, "people/person_detail.html", _card_context(request, person, "contacts", form), status=400)


@require_POST
def contact_permission(request: HttpRequest, pk: int, contact_pk: int) -> HttpResponse:
    contact = get_object_or_404(ContactPerson.objects.select_related("person"), pk=contact_pk, person_id=pk)
    _require(request, "people.change_person", contact.person)
    services.set_contact_permission(
        contact=contact, may_contact=request.POST.get("may_contact") == "1", by=_user(request), request=request
    )
    messages.success(request, _("Permission to contact updated."))
    return _redirect_tab(pk, "contacts")


@require_POST
def document_add(request: HttpRequest, pk: int) -> HttpResponse:
    person = _get_person(request, pk)
    _require(request, "people.change_person", person)
    form = IdentityDocumentForm(request.POST)
    if form.is_valid():
        services.add_document(person=person, by=_user(request), request=request, **form.cleaned_data)
        messages.success(request, _("Document added."))
        return _redirect_tab(pk, "documents")
    return render(request, "people/person_detail.html", _card_context(request, person, "documents", form), status=400)


@require_POST
def document_status(request: HttpRequest, pk: int, document_pk: int) -> HttpResponse:
    document = get_object_or_404(IdentityDocument.objects.select_related("person"), pk=document_pk, person_id=pk)
    _require(request, "people.change_person", document.person)
    form = DocumentStatusForm(request.POST)
    if form.is_valid():
        services.set_document_status(
            document=document,
            by=_user(request),
            request=request,
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
    _require(request, "people.change_person", person)
    form = ConsentForm(request.POST)
    if form.is_valid():
        try:
            services.give_consent(person=person, by=_user(request), request=request, **form.cleaned_data)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("Consent recorded."))
    else:
        messages.error(request, _("Choose what the citizen consents to."))
    return _redirect_tab(pk, "consents")


@require_POST
def consent_withdraw(request: HttpRequest, pk: int, consent_pk: int) -> HttpResponse:
    consent = get_object_or_404(Consent.objects.select_related("person"), pk=consent_pk, person_id=pk)
    _require(request, "people.change_person", consent.person)
    try:
        services.withdraw_consent(consent=consent, by=_user(request), request=request)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Consent withdrawn."))
    return _redirect_tab(pk, "consents")
