"""Demo cases of hospital social coordination: the demo coordinator's patients in every stage, and the
flows of issue 12 on them: hand-offs to the TCSO in every state, calls to relatives, document
restorations and crises.

Everything is made through the real services (assessment, proposed steps, moves, closing, consents,
hand-offs and the TCSO's moves of their requests, calls, restorations, crises). Where a service can only
stamp "now" and the demo needs the past (an overdue hand-off, a crisis answered in nine minutes), the
timestamps alone are moved back afterwards with a plain ``.update()``, each commented.

Each part is made once: the cases while no case exists, the hand-offs while no hand-off exists, and so
on, so running the step again adds nothing. A part whose prerequisites are missing (the catalogue, a
demo login, the story case it belongs to) is skipped.
"""

import datetime
from collections import Counter
from dataclasses import dataclass
from decimal import Decimal

from django.contrib.auth.models import Group, User
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from assistance import services as assistance
from assistance.models import HelpRequest, ServiceType, Transition
from assistance.models import Status as RequestStatus
from assistance.reference import serving_tcso
from assistance.selectors import field_workers
from cases import crisis, documents, family, handoffs, selectors, services, staff
from cases.models import (
    PROGRAMME_HOSPITAL,
    Case,
    CrisisAlert,
    DocumentRestoration,
    Handoff,
    RelativeCall,
    Responsible,
    StepKind,
)
from core.actor import Actor
from core.roles import Role
from demo.seed import SeedContext
from directory.models import Organisation, Worker
from people.models import Consent, ContactPerson, IdentityDocument, Person, Sex

ORDER = 50
LABEL = "Demo cases"

# (department, needs, how far the route got, outcome if closed)
STORIES = [
    ("Кардиология", [], "opened", ""),
    ("Терапия", ["lives_alone", "relatives"], "assessed", ""),
    ("Неврология", ["documents", "home_care", "distress"], "working", ""),
    ("Хирургия", ["devices", "financial"], "overdue", ""),
    ("", ["housing"], "emergency", ""),
    ("Травматология", ["lives_alone"], "closed", "helped"),
    ("Пульмонология", ["other"], "closed", "declined"),
]
# The story cases the later flows happen on, by their department (the emergency one has none).
CALLS_ON = "Терапия"  # relatives: the patient asks us to find her family
DOCUMENTS_ON = "Неврология"  # documents, distress: restorations and the answered crisis


@dataclass(frozen=True)
class HandoffStory:
    department: str
    need: str
    kind: str
    title: str
    service: str  # a code of assistance.catalogue.CATALOGUE
    details: str
    end: str  # requested | escalated | accepted | completed | rejected


# The first two wait in the TCSO's queue: their patients are picked in the demo dispatcher's districts first.
HANDOFFS = [
    HandoffStory(
        "Гастроэнтерология", "home_care", StepKind.HOME_CARE, "Надомное обслуживание после выписки",
        "home_care_visit", "Живёт одна, после выписки нужна помощь по дому два раза в неделю.", "requested",
    ),
    HandoffStory(
        "Эндокринология", "home_care", StepKind.HOME_CARE, "Посещение на дому после выписки",
        "home_care_visit", "Выписка в пятницу; ходит с трудом, нужен первый визит в выходные.", "escalated",
    ),
    HandoffStory(
        "Урология", "lives_alone", StepKind.HOME_CARE, "Бытовая помощь после выписки",
        "household", "Помочь с уборкой и вынести мусор в первые дни после выписки.", "accepted",
    ),
    HandoffStory(
        "Гематология", "financial", StepKind.FOOD, "Продукты на первую неделю после выписки",
        "food", "Продукты по списку на неделю: крупы, молочное, фрукты.", "completed",
    ),
    HandoffStory(
        "Офтальмология", "devices", StepKind.DEVICES, "Доставка ходунков домой",
        "rehab_devices", "Ходунки с колёсами, выдаются в ТЦСО по заключению врача.", "rejected",
    ),
]  # fmt: skip
REJECTION = "Ходунки по этому заключению выдаёт Фонд пенсионного и социального страхования, а не ТЦСО"
CONSENT_EVIDENCE = "Пациент согласился устно в присутствии координатора"


def seed(ctx: SeedContext) -> int:
    coordinator = ctx.users.get("coordinator")
    hospital = _hospital_of(coordinator)
    if coordinator is None or hospital is None:
        return 0
    actor = Actor.system(coordinator)
    made = seed_stories(actor)
    made += seed_handoffs(ctx, actor)
    made += seed_relative_calls(actor, hospital)
    made += seed_restorations(actor, hospital)
    made += seed_crises(actor, hospital)
    return made


def summary(added: int, seconds: float) -> str:
    handoff_statuses = ", ".join(
        f"{n} {status}" for status, n in sorted(Counter(Handoff.objects.values_list("status", flat=True)).items())
    )
    escalated = Handoff.objects.filter(escalated_at__isnull=False).count()
    return (
        f"{_hospital_cases().count()} cases, {Handoff.objects.count()} hand-offs ({handoff_statuses}; "
        f"{escalated} escalated), {RelativeCall.objects.count()} calls to relatives, "
        f"{DocumentRestoration.objects.count()} document restorations, {CrisisAlert.objects.count()} crises "
        f"({added} added)"
    )


def _hospital_cases() -> QuerySet[Case]:
    """Hospital coordination's cases (other programmes keep cases of their own)."""
    return Case.objects.filter(programme__code=PROGRAMME_HOSPITAL)


def _hospital_of(user: User | None) -> Organisation | None:
    worker = Worker.objects.filter(user=user).select_related("organisation").first() if user else None
    if worker is None or worker.organisation is None or worker.organisation.kind != Organisation.Kind.HOSPITAL:
        return None
    return worker.organisation


def _story_case(hospital: Organisation, **stay: object) -> Case | None:
    """The oldest open case of ``hospital`` whose stay matches, if it is still there to work on."""
    lookup = {f"stay__{name}": value for name, value in stay.items()}
    return Case.objects.filter(organisation=hospital, status=Case.Status.OPEN, **lookup).order_by("pk").first()


def _consent(actor: Actor, case: Case, scope: str) -> None:
    """The patient's consent of ``scope``, recorded from the case unless one is in force already."""
    if selectors.active_consent(case.person, scope) is None:
        family.record_consent(actor=actor, case=case, scope=scope, evidence=CONSENT_EVIDENCE)


# --- the cases --------------------------------------------------------------------------------------


def seed_stories(actor: Actor) -> int:
    """The coordinator's cases in every stage of the route; none while any case exists."""
    if _hospital_cases().exists():
        return 0
    patients = list(Person.objects.filter(birth_date__year__lte=1960).order_by("pk")[: len(STORIES)])
    today = timezone.localdate()
    made = 0
    with transaction.atomic():
        for n, (patient, (department, needs, stage, outcome)) in enumerate(zip(patients, STORIES, strict=False)):
            emergency = stage == "emergency"
            case = services.open_hospital_case(
                actor=actor,
                person=patient,
                reason="экстренно доставлена, не госпитализирована" if emergency else "поступила в отделение",
                stay=services.StayDetails(
                    department=department,
                    emergency_not_admitted=emergency,
                    admitted_on=None if emergency else today - datetime.timedelta(days=n + 1),
                    expected_discharge_on=None if emergency else today + datetime.timedelta(days=5 - n % 3),
                ),
            )
            made += 1
            if stage == "opened":
                continue
            services.assess_needs(actor=actor, case=case, needs=needs, note="")
            if stage in ("assessed", "emergency"):
                continue
            steps = [
                services.NewStep(
                    title=p.title,
                    kind=p.kind,
                    responsible=p.responsible,
                    need=p.need,
                    due_on=today - datetime.timedelta(days=2) if stage == "overdue" else p.due_on,
                )
                for p in services.proposals_for(case, needs)
            ]
            added = services.add_steps(actor=actor, case=case, steps=steps)
            if stage == "working":
                services.move_step(actor=actor, step=added[0], to="in_progress", expected_version=1)
            if stage == "closed":
                for step in added:
                    services.move_step(actor=actor, step=step, to="done", expected_version=1, result="сделано")
                case.refresh_from_db()
                services.close_case(actor=actor, case=case, outcome=outcome, note="", expected_version=case.version)
    return made


# --- hand-offs to the TCSO --------------------------------------------------------------------------


def _handoff_patients(home: Organisation | None, wanted: int) -> list[Person]:
    """Citizens with no case yet whose district a TCSO serves: the demo dispatcher's districts first."""
    fresh = Person.objects.filter(district__isnull=False).exclude(pk__in=Case.objects.values("person_id"))
    picked: list[Person] = []
    if home is not None:
        picked = list(fresh.filter(district__in=home.districts.all()).order_by("pk")[:wanted])
    if len(picked) < wanted:
        # A few hundred rows at most: a small city has few citizens in the dispatcher's districts.
        for person in fresh.exclude(pk__in=[p.pk for p in picked]).order_by("pk")[:500]:
            if person.district_id is not None and serving_tcso(person.district_id) is not None:
                picked.append(person)
                if len(picked) == wanted:
                    break
    return picked


def _field_worker(tcso: Organisation, preferred: User | None) -> Worker | None:
    """Who the TCSO gives the work to: the demo social worker in the demo TCSO, else its first field worker."""
    worker = Worker.objects.filter(user=preferred).first() if preferred else None
    if worker is not None and worker.is_active and worker.organisation_id == tcso.pk:
        return worker
    workers = sorted(field_workers(tcso.pk), key=lambda w: w.pk)
    return workers[0] if workers else None


def seed_handoffs(ctx: SeedContext, actor: Actor) -> int:
    """One hand-off in every state; none while any hand-off exists, none without the catalogue."""
    if Handoff.objects.exists():
        return 0
    catalogue = {s.code: s for s in ServiceType.objects.filter(is_active=True, code__in={h.service for h in HANDOFFS})}
    stories = [h for h in HANDOFFS if h.service in catalogue]
    if not stories:
        return 0
    dispatcher, supervisor = ctx.users.get("dispatcher"), ctx.users.get("supervisor")
    home = Organisation.objects.filter(kind=Organisation.Kind.TCSO, workers__user=dispatcher).first()
    patients = _handoff_patients(home, len(stories))
    today = timezone.localdate()
    made = 0
    with transaction.atomic():
        for n, (patient, story) in enumerate(zip(patients, stories, strict=False)):
            case = services.open_hospital_case(
                actor=actor,
                person=patient,
                reason="поступила в отделение",
                stay=services.StayDetails(
                    department=story.department,
                    admitted_on=today - datetime.timedelta(days=3 + n),
                    expected_discharge_on=today + datetime.timedelta(days=1 + n % 3),
                ),
            )
            services.assess_needs(actor=actor, case=case, needs=[story.need], note="")
            (step,) = services.add_steps(
                actor=actor,
                case=case,
                steps=[
                    services.NewStep(
                        title=story.title,
                        kind=story.kind,
                        responsible=Responsible.TCSO,
                        need=story.need,
                        due_on=today + datetime.timedelta(days=3),
                    )
                ],
            )
            _consent(actor, case, Consent.Scope.SHARE_WITH_TCSO)
            handoff = handoffs.create_handoff(
                actor=actor, step=step, service_type=catalogue[story.service], details=story.details
            )
            made += 1
            _play_tcso(handoff, story, dispatcher if handoff.tcso == home else supervisor, ctx.users.get("worker"))
        if any(story.end == "escalated" for story in stories[:made]):
            # Waiting past its target time: escalated by the same code as the background loop.
            handoffs.escalate_overdue()
    return made


def _play_tcso(handoff: Handoff, story: HandoffStory, dispatcher: User | None, demo_worker: User | None) -> None:
    """Move the hand-off's request as the TCSO's dispatcher (and worker) would; the hand-off follows."""
    help_request = HelpRequest.objects.select_related("service_type", "tcso").get(pk=handoff.request_id)
    if story.end == "escalated":
        # create_handoff stamps "now"; the demo needs a request handed over 26 hours ago, not accepted
        # within the 24 hours it had. Timestamps only.
        past = timezone.now() - datetime.timedelta(hours=26)
        Handoff.objects.filter(pk=handoff.pk).update(
            created_at=past,
            status_changed_at=past,
            accept_by=past + datetime.timedelta(hours=handoffs.accept_hours(help_request.urgency)),
        )
        HelpRequest.objects.filter(pk=help_request.pk).update(
            created_at=past, status_changed_at=past, due_at=help_request.due_at - datetime.timedelta(hours=26)
        )
        Transition.objects.filter(request=help_request).update(at=past)
        return
    if story.end == "requested" or dispatcher is None:
        return
    tcso = Actor.system(dispatcher)
    if story.end == "rejected":
        assistance.transition(
            help_request=help_request,
            to=RequestStatus.CANCELLED,
            actor=tcso,
            version=help_request.version,
            reason=REJECTION,
        )
        return
    worker = _field_worker(help_request.tcso, demo_worker)
    if worker is None:
        return
    assistance.accept_and_assign(help_request=help_request, assignee=worker, actor=tcso, version=help_request.version)
    if story.end != "completed":
        return
    # The worker does it (a field worker's own moves), or the dispatcher for a worker without a login.
    doer = Actor.system(worker.user) if worker.user is not None and worker.user.is_active else tcso
    assistance.transition(
        help_request=help_request, to=RequestStatus.IN_PROGRESS, actor=doer, version=help_request.version
    )
    assistance.transition(
        help_request=help_request,
        to=RequestStatus.DONE,
        actor=doer,
        version=help_request.version,
        money_spent=Decimal("1240.50") if help_request.service_type.handles_money else None,
    )


# --- calls to relatives -----------------------------------------------------------------------------


def seed_relative_calls(actor: Actor, hospital: Organisation) -> int:
    """The patient of the "Терапия" case agrees that we look for her family: a first call unanswered, the
    second one reaches the relative, who joins her contact persons. None while any call exists."""
    if RelativeCall.objects.exists():
        return 0
    case = _story_case(hospital, department=CALLS_ON)
    if case is None:
        return 0
    person = case.person
    male = person.sex == Sex.MALE
    relative = f"{person.surname} {'Алексей' if male else 'Светлана'}"
    phone = "+79035550187"
    with transaction.atomic():
        _consent(actor, case, Consent.Scope.CONTACT_RELATIVES)
        first = family.log_relative_call(
            actor=actor,
            case=case,
            full_name=relative,
            relation=ContactPerson.Relation.CHILD,
            phone=phone,
            outcome=RelativeCall.Outcome.NO_ANSWER,
            note="Номер дала соседка по палате; не берут трубку",
        )
        second = family.log_relative_call(
            actor=actor,
            case=case,
            full_name=relative,
            relation=ContactPerson.Relation.CHILD,
            phone=phone,
            outcome=RelativeCall.Outcome.REACHED,
            note="Приедет в отделение завтра, заберёт после выписки",
            add_to_contacts=True,
        )
        # log_relative_call stamps "now"; yesterday's unanswered call and this morning's. Timestamps only.
        now = timezone.now()
        RelativeCall.objects.filter(pk=first.pk).update(called_at=now - datetime.timedelta(hours=22))
        RelativeCall.objects.filter(pk=second.pk).update(called_at=now - datetime.timedelta(hours=3))
    return 2


# --- document restorations --------------------------------------------------------------------------


def _document(person: Person, kind: str) -> IdentityDocument | None:
    """The card's document of ``kind`` to restore, if it has one not being restored already."""
    busy = DocumentRestoration.objects.filter(status__in=documents.OPEN).values("document_id")
    return person.documents.filter(kind=kind).exclude(pk__in=busy).order_by("pk").first()


def seed_restorations(actor: Actor, hospital: Organisation) -> int:
    """The "Неврология" patient lost her bag: the passport is applied for, the OMS policy already came.
    None while any restoration exists."""
    if DocumentRestoration.objects.exists():
        return 0
    case = _story_case(hospital, department=DOCUMENTS_ON)
    if case is None:
        return 0
    today = timezone.localdate()
    kinds = (IdentityDocument.Kind.PASSPORT, IdentityDocument.Kind.OMS)
    with transaction.atomic():
        passport, policy = (
            documents.start_restoration(
                actor=actor,
                case=case,
                document=_document(case.person, kind),
                kind=kind,
                note="Сумка с документами пропала при доставке в больницу",
            )
            for kind in kinds
        )
        documents.record_application(
            actor=actor,
            restoration=passport,
            applied_to="МФЦ района, заявление о замене паспорта",
            applied_on=today,
            expected_on=today + datetime.timedelta(days=10),
            expected_version=passport.version,
        )
        documents.record_application(
            actor=actor,
            restoration=policy,
            applied_to="Страховая медицинская организация, пункт выдачи полисов",
            applied_on=today - datetime.timedelta(days=6),
            expected_on=today - datetime.timedelta(days=1),
            expected_version=policy.version,
        )
        documents.record_receipt(
            actor=actor,
            restoration=policy,
            received_on=today - datetime.timedelta(days=1),
            expected_version=policy.version,
        )
    return 2


# --- crises -----------------------------------------------------------------------------------------


def _hospital_psychologist(hospital: Organisation) -> User | None:
    """A psychologist of ``hospital`` to take a crisis. The demo login ``psychologist`` works for the city's
    psychological service, not the hospital, so it may not; when the hospital has none, one without a
    login is made, as the field staff are (there is no business action for making workers)."""
    existing = staff.psychologists_of(hospital.pk).order_by("pk").first()
    if existing is not None:
        return existing
    group = Group.objects.filter(name=Role.PSYCHOLOGIST).first()
    username = f"psy-{hospital.pk}-1"
    if group is None or User.objects.filter(username=username).exists():
        return None  # no such role, or ours was deactivated on purpose: leave it so
    user = User(username=username, first_name="Олеся", last_name="Григорьева")
    user.set_unusable_password()
    user.save()
    user.groups.set([group])
    Worker.objects.create(
        user=user,
        kind=Worker.Kind.STAFF,
        surname="Григорьева",
        given_name="Олеся",
        patronymic="Викторовна",
        position="Медицинский психолог",
        organisation=hospital,
    )
    return user


def seed_crises(actor: Actor, hospital: Organisation) -> int:
    """An open crisis nobody has taken yet, marked 12 minutes ago (the emergency patient), and one answered
    in 9 minutes and ended (the "Неврология" patient). None while any crisis exists."""
    if CrisisAlert.objects.exists():
        return 0
    made = 0
    now = timezone.now()
    with transaction.atomic():
        psychologist = _hospital_psychologist(hospital)
        answered_case = _story_case(hospital, department=DOCUMENTS_ON)
        if answered_case is not None and psychologist is not None:
            alert = crisis.mark_crisis(
                actor=actor, case=answered_case, note="Плачет, отказывается от еды, говорит, что не хочет жить"
            )
            crisis.answer_crisis(actor=Actor.system(psychologist), alert=alert)
            crisis.end_crisis(
                actor=Actor.system(psychologist),
                alert=alert,
                outcome="Беседа с психологом, состояние стабилизировалось; повторная встреча завтра",
            )
            # The services stamp "now"; the demo shows one marked this morning, taken after 9 minutes and
            # over within the hour. Timestamps only.
            raised = now - datetime.timedelta(hours=3)
            CrisisAlert.objects.filter(pk=alert.pk).update(
                raised_at=raised,
                answered_at=raised + datetime.timedelta(minutes=9),
                ended_at=raised + datetime.timedelta(minutes=55),
            )
            made += 1
        open_case = _story_case(hospital, emergency_not_admitted=True)
        if open_case is not None:
            alert = crisis.mark_crisis(
                actor=actor, case=open_case, note="Возбуждена, пытается уйти из приёмного отделения без документов"
            )
            # mark_crisis stamps "now"; the demo's open crisis has waited 12 minutes. Timestamp only.
            CrisisAlert.objects.filter(pk=alert.pk).update(raised_at=now - datetime.timedelta(minutes=12))
            made += 1
    return made
