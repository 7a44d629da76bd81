"""The case page's sections «Relatives and close people» and «Documents», and the consents they need."""

from typing import Any

from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cases import documents, family, selectors
from cases.feedback import report, report_form
from cases.forms import (
    ApplicationForm,
    CancelRestorationForm,
    ConsentForm,
    ContactCallForm,
    NewCallForm,
    ReceiptForm,
    StartRestorationForm,
)
from cases.models import Case, DocumentRestoration, RelativeCall
from core.actor import Actor
from core.exceptions import ConcurrentEditError, ValidationError
from core.validators import MAX_ID, format_phone
from people.models import Consent, ContactPerson

RELATION_LABELS = dict(ContactPerson.Relation.choices)


def family_context(case: Case, user: Any) -> dict[str, Any]:
    """What the two sections of the case page show: consents, contact persons, calls, restorations."""
    today = timezone.localdate()
    calls = list(case.relative_calls.select_related("called_by")[:200])
    for call in calls:
        call.phone_display = format_phone(call.phone)  # type: ignore[attr-defined]
        call.relation_label = RELATION_LABELS.get(call.relation, call.relation)  # type: ignore[attr-defined]
    restorations = list(case.restorations.select_related("document").order_by("-pk"))
    for restoration in restorations:
        restoration.moves = documents.next_moves(restoration)  # type: ignore[attr-defined]
        restoration.is_overdue = bool(  # type: ignore[attr-defined]
            restoration.is_open and restoration.expected_on and restoration.expected_on < today
        )
    # A document being restored already is not offered again (the service would refuse it).
    being_restored = DocumentRestoration.objects.filter(document__person=case.person, status__in=documents.OPEN)
    patient_documents = list(case.person.documents.exclude(pk__in=being_restored.values("document_id")))
    return {
        "consents": {scope.value: selectors.active_consent(case.person, scope) for scope in family.CASE_CONSENT_SCOPES},
        "contacts": list(case.person.contacts.all()),
        "relative_calls": calls,
        "call_outcomes": RelativeCall.Outcome.choices,
        "new_call_form": NewCallForm(),
        "restorations": [r for r in restorations if r.is_open] + [r for r in restorations if not r.is_open],
        "restoration_form": StartRestorationForm(documents=patient_documents),
        "today": today,
    }


def _back(case: Case, section: str) -> HttpResponseRedirect:
    return HttpResponseRedirect(reverse("cases:detail", args=[case.pk]) + (f"#{section}" if section else ""))


def _case(request: HttpRequest, pk: int) -> Case:
    return selectors.get_visible_case(request.user, pk, perm="cases.change_case")


@require_POST
def record_consent(request: HttpRequest, pk: int) -> HttpResponse:
    case = _case(request, pk)
    form = ConsentForm(request.POST)
    section = "relatives" if request.POST.get("scope") == Consent.Scope.CONTACT_RELATIVES else ""
    if not form.is_valid():
        report_form(request, form)
        return _back(case, section)
    try:
        consent = family.record_consent(
            actor=Actor.from_request(request),
            case=case,
            scope=form.cleaned_data["scope"],
            evidence=form.cleaned_data["evidence"],
        )
    except ValidationError as error:
        report(request, error)
    else:
        messages.success(request, _("Consent recorded: %(scope)s.") % {"scope": consent.get_scope_display()})
    return _back(case, section)


@require_POST
def log_call(request: HttpRequest, pk: int) -> HttpResponse:
    """A call to a contact person of the card (the form has ``contact``) or to someone new."""
    case = _case(request, pk)
    known = "contact" in request.POST
    form: forms.Form = ContactCallForm(request.POST) if known else NewCallForm(request.POST)
    if not form.is_valid():
        report_form(request, form)
        return _back(case, "relatives")
    data = form.cleaned_data
    contact = ContactPerson.objects.filter(pk=data["contact"]).first() if known else None
    if known and contact is None:
        messages.error(request, family.not_patients_contact())
        return _back(case, "relatives")
    try:
        call = family.log_relative_call(
            actor=Actor.from_request(request),
            case=case,
            contact=contact,
            full_name=data.get("full_name", ""),
            relation=data.get("relation", ""),
            phone=data.get("phone", ""),
            outcome=data["outcome"],
            note=data["note"],
            add_to_contacts=data.get("add_to_contacts", False),
        )
    except ValidationError as error:
        report(request, error)
    else:
        messages.success(
            request,
            _("Call to %(whom)s recorded: %(outcome)s.")
            % {"whom": call.full_name, "outcome": call.get_outcome_display()},
        )
        if not known and call.contact_id is not None and data.get("add_to_contacts"):
            messages.info(request, _("%(whom)s is among the patient's contact persons.") % {"whom": call.full_name})
    return _back(case, "relatives")


@require_POST
def start_restoration(request: HttpRequest, pk: int) -> HttpResponse:
    case = _case(request, pk)
    form = StartRestorationForm(request.POST, documents=case.person.documents.all())
    if not form.is_valid():
        report_form(request, form)
        return _back(case, "documents")
    data = form.cleaned_data
    document = case.person.documents.filter(pk=data["document"]).first() if data["document"] else None
    try:
        restoration = documents.start_restoration(
            actor=Actor.from_request(request), case=case, kind=data["kind"], document=document, note=data["note"]
        )
    except ValidationError as error:
        report(request, error)
    else:
        messages.success(request, _("Restoring started: %(document)s.") % {"document": restoration.document})
    return _back(case, "documents")


def _restoration(case: Case, restoration_pk: int) -> DocumentRestoration:
    restoration = (
        DocumentRestoration.objects.select_related("document", "case").filter(pk=restoration_pk, case=case).first()
        if 0 < restoration_pk <= MAX_ID
        else None
    )
    if restoration is None:
        raise Http404
    restoration.case = case  # the case as loaded and authorised, with its stay and organisation
    return restoration


@require_POST
def record_application(request: HttpRequest, pk: int, restoration_pk: int) -> HttpResponse:
    case = _case(request, pk)
    restoration = _restoration(case, restoration_pk)
    form = ApplicationForm(request.POST)
    if not form.is_valid():
        report_form(request, form)
        return _back(case, "documents")
    data = form.cleaned_data
    try:
        documents.record_application(
            actor=Actor.from_request(request),
            restoration=restoration,
            applied_to=data["applied_to"],
            applied_on=data["applied_on"],
            expected_on=data["expected_on"],
            expected_version=data["version"],
        )
    except (ValidationError, ConcurrentEditError) as error:
        report(request, error)
    else:
        messages.success(request, _("Application recorded: %(document)s.") % {"document": restoration.document})
    return _back(case, "documents")


@require_POST
def record_receipt(request: HttpRequest, pk: int, restoration_pk: int) -> HttpResponse:
    case = _case(request, pk)
    restoration = _restoration(case, restoration_pk)
    form = ReceiptForm(request.POST)
    if not form.is_valid():
        report_form(request, form)
        return _back(case, "documents")
    data = form.cleaned_data
    try:
        documents.record_receipt(
            actor=Actor.from_request(request),
            restoration=restoration,
            received_on=data["received_on"],
            number=data["number"],
            expected_version=data["version"],
        )
    except (ValidationError, ConcurrentEditError) as error:
        report(request, error)
    else:
        messages.success(request, _("Document received: %(document)s.") % {"document": restoration.document})
    return _back(case, "documents")


@require_POST
def cancel_restoration(request: HttpRequest, pk: int, restoration_pk: int) -> HttpResponse:
    case = _case(request, pk)
    restoration = _restoration(case, restoration_pk)
    form = CancelRestorationForm(request.POST)
    if not form.is_valid():
        report_form(request, form)
        return _back(case, "documents")
    try:
        documents.cancel_restoration(
            actor=Actor.from_request(request),
            restoration=restoration,
            reason=form.cleaned_data["reason"],
            expected_version=form.cleaned_data["version"],
        )
    except (ValidationError, ConcurrentEditError) as error:
        report(request, error)
    else:
        messages.success(request, _("Restoring stopped: %(document)s.") % {"document": restoration.document})
    return _back(case, "documents")
