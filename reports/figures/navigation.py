"""Oncology navigation figures (issue 14, §5): referrals registered, the patients' answers and the consent
rate, patients enrolled, the active caseload of each personal assistant against their capacity; the time
from the referral to the first oncologist visit, the diagnosis and the start of treatment; the steps done
within their target time; reminders sent and calls made; the missed-visit rate. Per polyclinic and per
assistant.

Definitions (plain queries a SQL count would read; tests compare them):
- referrals registered: ``Referral.created_at`` in the period; answered: ``consent_recorded_at`` in it;
- the consent rate: agreed / (agreed + refused) among those answered in the period;
- enrolled: answered «agreed» in the period;
- active caseload: journeys not closed, now, per assistant, with the capacity administrators set;
- days to a milestone: the working days (production calendar, ``scheduling.workdays``) from
  ``Referral.referred_on`` to the journey's ``oncologist_seen_on``, ``diagnosed_on`` (cancer confirmed or
  excluded) or ``treatment_started_on``, over the journeys whose date falls in the period: the median
  and how many journeys;
- within target: the steps of the kinds with a target time (``TARGETED``, only steps that carry a
  ``target_working_days``) done with ``done_on`` in the period, and of those the ones done on or before
  ``due_on``; overdue now: such steps still open whose due date is behind the last working day up to
  today (a step due on Friday is late on Monday, as the assistant's worklist counts it);
- reminders sent: ``Reminder.sent_at`` in the period, by the channel they went by; a reminder the sweep
  closed unsent (a later one of the same appointment went instead) has neither a message nor a call
  task and is not counted;
- calls made: ``CallTask.done_at`` in the period, by kind;
- the missed-visit rate: missed / (attended + missed) among the appointments whose slot starts in the
  period.
Per polyclinic means the journey's case's organisation (the referring polyclinic); per assistant, the
journey's assistant now. The scope is ``navigation.selectors``: a supervisor every polyclinic, an assistant
their own patients and referrals (their figures are their own). A TCSO chosen on the dashboard narrows to
its districts' citizens. The queries are a fixed number whatever the number of journeys: the medians
read the dates in one query and count the working days in Python.
"""

import datetime
import statistics
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.models import User
from django.db.models import Count, F, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from directory.models import Organisation
from navigation.models import (
    Appointment,
    AssistantCapacity,
    CallTask,
    Journey,
    JourneyStep,
    Milestone,
    Referral,
    Reminder,
    Stage,
)
from navigation.selectors import visible_journeys, visible_referrals
from reports.figures import Panel
from reports.periods import Period
from scheduling.workdays import add_working_days, is_working_day, working_days_between

ORDER = 50

# The kinds of step with a target time in the rules (the templates carry the number of working days).
TARGETED: tuple[str, ...] = (
    Milestone.ONCOLOGIST,
    Milestone.DIAGNOSTICS,
    Milestone.TUMOUR_BOARD,
    Milestone.DISPENSARY,
    Milestone.TREATMENT_START,
)
# The journey's milestone dates counted from the referral.
MILESTONE_DATES: tuple[str, ...] = ("oncologist_seen_on", "diagnosed_on", "treatment_started_on")


@dataclass
class Caseload:
    assistant: str
    active: int
    capacity: int | None


@dataclass
class PolyclinicFigures:
    polyclinic: str
    registered: int
    agreed: int
    refused: int


@dataclass
class Days:
    """Working days from the referral to a milestone, one value per journey that reached it in the period."""

    label: str
    values: list[int] = field(default_factory=list, repr=False)

    @property
    def counted(self) -> int:
        return len(self.values)

    @property
    def median(self) -> float | None:
        return float(statistics.median(self.values)) if self.values else None


@dataclass
class TargetTimes:
    """Steps of one kind done in the period, how many of them by their due date, and how many are late now."""

    milestone: str
    label: str
    done: int = 0
    on_time: int = 0
    overdue: int = 0
    targets: set[int] = field(default_factory=set, repr=False)

    @property
    def share(self) -> float | None:
        return round(100 * self.on_time / self.done, 1) if self.done else None

    @property
    def target(self) -> int | None:
        """The target in working days, when every step counted has the same one."""
        return next(iter(self.targets)) if len(self.targets) == 1 else None


@dataclass
class JourneyFigures:
    """The patients' way over the period, for the whole scope, one polyclinic or one assistant."""

    name: str
    to_oncologist: Days = field(default_factory=lambda: Days(_("to the first oncologist visit")))
    to_diagnosis: Days = field(default_factory=lambda: Days(_("to the diagnosis")))
    to_treatment: Days = field(default_factory=lambda: Days(_("to the start of treatment")))
    targets: list[TargetTimes] = field(
        default_factory=lambda: [TargetTimes(m, str(Milestone(m).label)) for m in TARGETED]
    )
    reminders: dict[str, int] = field(default_factory=lambda: dict.fromkeys(Reminder.Channel.values, 0))
    calls: dict[str, int] = field(default_factory=lambda: dict.fromkeys(CallTask.Kind.values, 0))
    attended: int = 0
    missed: int = 0

    @property
    def durations(self) -> list[Days]:
        return [self.to_oncologist, self.to_diagnosis, self.to_treatment]

    def target(self, milestone: str) -> TargetTimes:
        return self.targets[TARGETED.index(milestone)]

    @property
    def oncologist(self) -> TargetTimes:
        return self.target(Milestone.ONCOLOGIST)

    @property
    def overdue(self) -> int:
        return sum(t.overdue for t in self.targets)

    @property
    def reminders_sent(self) -> int:
        return sum(self.reminders.values())

    @property
    def reminders_by_channel(self) -> list[tuple[str, str, int]]:
        return [(code, str(label), self.reminders[code]) for code, label in Reminder.Channel.choices]

    @property
    def calls_made(self) -> int:
        return sum(self.calls.values())

    @property
    def calls_by_kind(self) -> list[tuple[str, str, int]]:
        return [(code, str(label), self.calls[code]) for code, label in CallTask.Kind.choices]

    @property
    def visits(self) -> int:
        return self.attended + self.missed

    @property
    def missed_rate(self) -> float | None:
        return round(100 * self.missed / self.visits, 1) if self.visits else None


@dataclass
class NavigationFigures:
    registered: int
    agreed: int
    refused: int
    waiting: int
    caseloads: list[Caseload] = field(default_factory=list)
    polyclinics: list[PolyclinicFigures] = field(default_factory=list)
    journey: JourneyFigures = field(default_factory=lambda: JourneyFigures(""))
    journey_by_polyclinic: list[JourneyFigures] = field(default_factory=list)
    journey_by_assistant: list[JourneyFigures] = field(default_factory=list)

    @property
    def consent_rate(self) -> float | None:
        answered = self.agreed + self.refused
        return round(100 * self.agreed / answered, 1) if answered else None


def _in(when: Period, name: str) -> Q:
    return Q(**{f"{name}__gte": when.start, f"{name}__lte": when.end})


def _on(when: Period, name: str) -> Q:
    """A date field on one of the period's days (in Moscow time)."""
    return Q(**{f"{name}__gte": timezone.localdate(when.start), f"{name}__lte": timezone.localdate(when.end)})


def _person(first_name: str, last_name: str, username: str) -> str:
    return " ".join(p for p in (first_name, last_name) if p) or username


def _group_by(journey: str) -> dict[str, F]:
    """The polyclinic and the assistant of the journey reached by the path ``journey`` ("" from a journey)."""
    return {
        "group_polyclinic": F(f"{journey}case__organisation_id"),
        "group_polyclinic_name": F(f"{journey}case__organisation__name"),
        "group_assistant": F(f"{journey}assistant_id"),
        "group_first_name": F(f"{journey}assistant__first_name"),
        "group_last_name": F(f"{journey}assistant__last_name"),
        "group_username": F(f"{journey}assistant__username"),
    }


class _Groups:
    """The figures of the whole scope, of each polyclinic and of each assistant, filled row by row."""

    def __init__(self) -> None:
        self.total = JourneyFigures("")
        self.polyclinics: dict[int, JourneyFigures] = {}
        self.assistants: dict[int, JourneyFigures] = {}

    def of(self, row: Mapping[str, Any]) -> tuple[JourneyFigures, ...]:
        polyclinic = self.polyclinics.get(row["group_polyclinic"])
        if polyclinic is None:
            polyclinic = self.polyclinics[row["group_polyclinic"]] = JourneyFigures(row["group_polyclinic_name"])
        assistant = self.assistants.get(row["group_assistant"])
        if assistant is None:
            name = _person(row["group_first_name"], row["group_last_name"], row["group_username"])
            assistant = self.assistants[row["group_assistant"]] = JourneyFigures(name)
        return self.total, polyclinic, assistant

    @staticmethod
    def ordered(groups: Iterable[JourneyFigures]) -> list[JourneyFigures]:
        return sorted(groups, key=lambda g: g.name)


def _last_working_day(today: datetime.date) -> datetime.date:
    return today if is_working_day(today) else add_working_days(today, -1)


def journey_figures(journeys: QuerySet[Journey], when: Period) -> _Groups:
    """Days to the milestones, target times, reminders, calls and visits: five queries in all."""
    groups = _Groups()
    reached = journeys.filter(
        _on(when, "oncologist_seen_on") | _on(when, "diagnosed_on") | _on(when, "treatment_started_on"),
        case__referral__isnull=False,
    )
    first, last = timezone.localdate(when.start), timezone.localdate(when.end)
    # In the journeys' order, so that the values come the same way on every database and every call.
    for row in reached.order_by("pk").values(
        *MILESTONE_DATES, referred_on=F("case__referral__referred_on"), **_group_by("")
    ):
        for name in MILESTONE_DATES:
            day = row[name]
            if day is not None and first <= day <= last:
                days = working_days_between(row["referred_on"], day)
                for figures in groups.of(row):
                    figures.durations[MILESTONE_DATES.index(name)].values.append(days)

    done = _on(when, "done_on") & Q(status=JourneyStep.Status.DONE)
    overdue = Q(status=JourneyStep.Status.OPEN, due_on__lt=_last_working_day(timezone.localdate()))
    steps = (
        JourneyStep.objects.filter(journey__in=journeys, milestone__in=TARGETED, target_working_days__isnull=False)
        .filter(done | overdue)
        .order_by()
        .values("milestone", "target_working_days", **_group_by("journey__"))
        .annotate(
            done=Count("pk", filter=done),
            on_time=Count("pk", filter=done & Q(done_on__lte=F("due_on"))),
            overdue=Count("pk", filter=overdue),
        )
    )
    for row in steps:
        for figures in groups.of(row):
            times = figures.target(row["milestone"])
            times.done += row["done"]
            times.on_time += row["on_time"]
            times.overdue += row["overdue"]
            if row["done"]:
                times.targets.add(row["target_working_days"])

    sent = (
        Reminder.objects.filter(_in(when, "sent_at"), appointment__journey__in=journeys)
        .filter(Q(outbox_message__isnull=False) | Q(call_task__isnull=False))
        .order_by()
        .values("channel", **_group_by("appointment__journey__"))
        .annotate(n=Count("pk"))
    )
    for row in sent:
        for figures in groups.of(row):
            figures.reminders[row["channel"]] += row["n"]

    calls = (
        CallTask.objects.filter(_in(when, "done_at"), journey__in=journeys)
        .order_by()
        .values("kind", **_group_by("journey__"))
        .annotate(n=Count("pk"))
    )
    for row in calls:
        for figures in groups.of(row):
            figures.calls[row["kind"]] += row["n"]

    visits = (
        Appointment.objects.filter(
            _in(when, "booking__slot__starts_at"),
            journey__in=journeys,
            status__in=(Appointment.Status.ATTENDED, Appointment.Status.MISSED),
        )
        .order_by()
        .values("status", **_group_by("journey__"))
        .annotate(n=Count("pk"))
    )
    for row in visits:
        for figures in groups.of(row):
            if row["status"] == Appointment.Status.MISSED:
                figures.missed += row["n"]
            else:
                figures.attended += row["n"]
    return groups


def navigation_figures(user: User, tcso: Organisation | None, when: Period) -> NavigationFigures:
    referrals = visible_referrals(user)
    journeys = visible_journeys(user)
    if tcso is not None:
        referrals = referrals.filter(person__district__in=tcso.districts.all())
        journeys = journeys.filter(case__person__district__in=tcso.districts.all())
    registered = referrals.filter(_in(when, "created_at"))
    answered = referrals.filter(_in(when, "consent_recorded_at"))
    active = (
        journeys.exclude(stage=Stage.CLOSED)
        .order_by()
        .values("assistant", "assistant__first_name", "assistant__last_name", "assistant__username")
        .annotate(n=Count("pk"))
    )
    capacities = dict(AssistantCapacity.objects.values_list("assistant_id", "capacity"))
    caseloads = sorted(
        (
            Caseload(
                assistant=_person(
                    row["assistant__first_name"], row["assistant__last_name"], row["assistant__username"]
                ),
                active=row["n"],
                capacity=capacities.get(row["assistant"]),
            )
            for row in active
        ),
        key=lambda c: (-c.active, c.assistant),
    )
    by_polyclinic = (
        registered.order_by()
        .values("polyclinic__name")
        .annotate(
            n=Count("pk"),
            agreed=Count("pk", filter=Q(consent=Referral.Consent.GIVEN)),
            refused=Count("pk", filter=Q(consent=Referral.Consent.REFUSED)),
        )
        .order_by("polyclinic__name")
    )
    groups = journey_figures(journeys, when)
    return NavigationFigures(
        registered=registered.count(),
        agreed=answered.filter(consent=Referral.Consent.GIVEN).count(),
        refused=answered.filter(consent=Referral.Consent.REFUSED).count(),
        waiting=referrals.filter(consent=Referral.Consent.PENDING).count(),
        caseloads=caseloads,
        polyclinics=[
            PolyclinicFigures(row["polyclinic__name"], row["n"], row["agreed"], row["refused"]) for row in by_polyclinic
        ],
        journey=groups.total,
        journey_by_polyclinic=groups.ordered(groups.polyclinics.values()),
        journey_by_assistant=groups.ordered(groups.assistants.values()),
    )


def panel(user: User, tcso: Organisation | None, when: Period) -> Panel | None:
    if not user.has_perm("navigation.view_journey"):
        return None
    return Panel(
        cards="reports/_navigation.html",
        details="reports/_navigation_details.html",
        context={"navigation_figures": navigation_figures(user, tcso, when)},
    )
