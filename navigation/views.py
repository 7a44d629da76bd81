"""Pages of the personal assistant: the day's worklist, my patients and the referrals waiting for an answer,
registering a referral, recording the patient's answer and the printable card. The journey's pages are in
``views_journey``, the appointments' in ``views_appointments``."""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from cases.feedback import report, report_form
from core.actor import Actor
from core.exceptions import ConcurrentEditError, ValidationError
from core.permissions import require
from core.validators import bounded_int
from directory.models import DiagnosisCode
from directory.selectors import find_diagnosis_codes
from navigation import selectors, services
from navigation.forms import AgreeForm, CallDoneForm, ReferralForm, RefuseForm
from navigation.models import Referral
from people import selectors as people_selectors
from people import services as people_services
from people.models import Person


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    """The assistant's day: calls due, steps late, appointments today and those whose outcome is still to be
    recorded; then the referrals waiting for an answer and the patients, each with their next step."""
    require(request.user, "navigation.register_referral")
    if not request.user.has_perm("navigation.change_journey"):
        # A supervisor oversees: the assistants' load, what is late across the programme, the referrals.
        context_overview = {
            "assistants": selectors.assistants_overview(),
            "late": selectors.late_steps(request.user),
            "pending": selectors.pending_answers(request.user),
        }
        return render(request, "navigation/overview.html", context_overview)
    patients = selectors.my_patients(request.user)
    following = selectors.next_steps(patients)
    for journey in patients:
        journey.next_step = following.get(journey.pk)  # type: ignore[attr-defined]
    day = selectors.worklist(request.user)
    for task in day.calls:
        task.done_form = CallDoneForm(initial={"version": task.version}, prefix=f"c{task.pk}")  # type: ignore[attr-defined]
    context = {
        "journeys": patients,
        "pending": selectors.pending_answers(request.user),
        "day": day,
        "today": timezone.localdate(),
    }
    return render(request, "navigation/home.html", context)


@require_GET
def find_patient(request: HttpRequest) -> HttpResponse:
    """Find the referred patient: name, birth date and district only, until they are your patient."""
    require(request.user, "navigation.register_referral")
    raw = request.GET.get("q", "").strip()[:200]
    query = people_selectors.parse_query(raw)
    results: list[people_selectors.FoundPerson] = []
    if not query.is_empty:
        results = people_selectors.find_people(request.user, query, limit=20)
        people_services.record_search(actor=Actor.from_request(request), kind=query.kind, results=results)
    context = {"q": raw, "results": results, "searched": not query.is_empty, "unparsed": bool(raw) and query.is_empty}
    return render(request, "navigation/find.html", context)


@require_http_methods(["GET", "POST"])
def referral_new(request: HttpRequest) -> HttpResponse:
    require(request.user, "navigation.register_referral")
    person_pk = bounded_int(request.GET.get("person") or request.POST.get("person"), minimum=1)
    person = Person.objects.filter(pk=person_pk).select_related("district").first() if person_pk else None
    if person is None:
        return redirect("navigation:find")
    form = ReferralForm(request.POST or None)
    # The code field offers the matching codes as the assistant types (an HTMX partial into the datalist).
    form.fields["diagnosis"].widget.attrs.update(
        {"hx-get": reverse("navigation:codes"), "hx-trigger": "input changed delay:250ms", "hx-target": "#icd-codes"}
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        code = DiagnosisCode.objects.filter(code__iexact=data["diagnosis"].strip()).first()
        try:
            referral = services.register_referral(
                actor=Actor.from_request(request),
                person=person,
                data=services.ReferralInput(
                    polyclinic=data["polyclinic"],
                    referring_doctor=data["referring_doctor"],
                    referred_on=data["referred_on"],
                    diagnosis=code,
                    urgency=data["urgency"],
                    note=data["note"],
                ),
            )
        except ValidationError as error:
            report(request, error)
        else:
            messages.success(request, _("The referral is registered. Now record the patient's answer."))
            return redirect("navigation:referral", referral.pk)
    elif request.method == "POST":
        report_form(request, form)
    typed = request.POST.get("diagnosis", "") if request.method == "POST" else ""
    context = {"person": person, "form": form, "codes": find_diagnosis_codes(typed or "C", limit=60)}
    return render(request, "navigation/referral_new.html", context)


@require_GET
def diagnosis_codes(request: HttpRequest) -> HttpResponse:
    """The type-ahead's options: codes matching what was typed (HTMX partial)."""
    require(request.user, "navigation.register_referral")
    typed = request.GET.get("diagnosis", "")[:100]
    return render(request, "navigation/_codes.html", {"codes": find_diagnosis_codes(typed, limit=30)})


@require_GET
def referral(request: HttpRequest, pk: int) -> HttpResponse:
    found = selectors.get_visible_referral(request.user, pk)
    context = {
        "referral": found,
        "may_answer": found.consent == Referral.Consent.PENDING
        and request.user.has_perm("navigation.record_answer", found),
        "agree_form": AgreeForm(initial={"version": found.version, "reminders_by": "sms"}),
        "refuse_form": RefuseForm(initial={"version": found.version}),
    }
    return render(request, "navigation/referral.html", context)


@require_POST
def agree(request: HttpRequest, pk: int) -> HttpResponse:
    found = selectors.get_visible_referral(request.user, pk)
    form = AgreeForm(request.POST)
    if not form.is_valid():
        report_form(request, form)
        return redirect("navigation:referral", pk)
    try:
        journey = services.enrol(
            actor=Actor.from_request(request),
            referral=found,
            reminders_by=form.cleaned_data["reminders_by"],
            evidence=form.cleaned_data["evidence"],
            expected_version=form.cleaned_data["version"],
        )
    except (ValidationError, ConcurrentEditError) as error:
        report(request, error)
        return redirect("navigation:referral", pk)
    assistant = journey.assistant
    messages.success(
        request,
        _("The patient is in the programme. Personal assistant: %(name)s. Print the card for the patient.")
        % {"name": assistant.get_full_name() or assistant.get_username()},
    )
    if request.user.has_perm("navigation.view_journey", journey):
        return redirect("navigation:journey", journey.pk)
    return redirect("navigation:home")


@require_POST
def refuse(request: HttpRequest, pk: int) -> HttpResponse:
    found = selectors.get_visible_referral(request.user, pk)
    form = RefuseForm(request.POST)
    if not form.is_valid():
        report_form(request, form)
        return redirect("navigation:referral", pk)
    try:
        services.record_refusal(
            actor=Actor.from_request(request),
            referral=found,
            reason=form.cleaned_data["refusal_reason"],
            expected_version=form.cleaned_data["version"],
        )
    except (ValidationError, ConcurrentEditError) as error:
        report(request, error)
        return redirect("navigation:referral", pk)
    messages.success(request, _("The refusal is recorded."))
    return redirect("navigation:home")


@require_GET
def card(request: HttpRequest, pk: int) -> HttpResponse:
    found = selectors.get_visible_journey(request.user, pk)
    size = "a4" if request.GET.get("size") == "a4" else "a6"
    pdf = services.print_card(actor=Actor.from_request(request), journey=found, size=size)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="card-{found.pk}-{size}.pdf"'
    response["Cache-Control"] = "no-store"
    return response
