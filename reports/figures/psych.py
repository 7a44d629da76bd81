"""Psychological service figures: consultations held, by format, mode and place; their share among all the
non-medical services in hospitals; patients, relatives and anonymous clients helped; support-group sessions
and participants; hotline calls by risk; the median wait in the walk-in queue; per service where several.

Definitions (each a plain query over the rows a SQL count would read; tests compare them):
- a consultation held: status ``done`` with ``ended_at`` in the period;
- the share in hospitals: consultations held at a hospital (``place_kind`` hospital) over those plus the
  coordinators' route steps done in the period at hospitals, less the steps "psychologist's consultation"
  (a consultation that closes one is counted once, as the consultation);
- patients helped: distinct citizens of the consultations held as patients; relatives helped: distinct
  relatives (a relative not on the card counts per consultation); anonymous: consultations held with nobody
  registered;
- the median wait: from arrival to being called in, of the walk-ins called in during the period;
- group sessions held and their participants, and hotline calls per risk level: ``psych.groups`` and
  ``psych.hotline`` count them, over the groups and lines the user may see.
The scope is ``psych.selectors.visible_consultations``. A TCSO chosen on the dashboard narrows the
consultations to citizens of its districts; groups and hotlines, which are not per district, are then not shown.
"""

import statistics
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.models import User
from django.db.models import Count, Q, QuerySet, Sum

from cases.models import Case, RouteStep, StepKind
from cases.selectors import visible_cases
from directory.models import Organisation
from psych import groups, hotline
from psych.models import Consultation, HotlineCall
from psych.selectors import visible_consultations
from reports.figures import Panel
from reports.periods import Period

ORDER = 40


@dataclass
class ServiceFigures:
    service: str
    held: int = 0
    patients: int = 0
    minutes: int = 0


@dataclass
class PsychFigures:
    held: int
    by_format: list[tuple[str, str, int]]
    by_mode: list[tuple[str, str, int]]
    by_place: list[tuple[str, str, int]]
    hospital_held: int
    hospital_steps: int
    patients: int
    relatives: int
    anonymous: int
    median_wait: float | None
    waits: int
    sessions: int | None = None
    participants: int | None = None
    calls_by_risk: list[tuple[str, str, int]] | None = None
    services: list[ServiceFigures] = field(default_factory=list)

    @property
    def hospital_share(self) -> float | None:
        """Consultations as a share (%) of the non-medical services given in hospitals."""
        total = self.hospital_held + self.hospital_steps
        return round(100 * self.hospital_held / total, 1) if total else None

    @property
    def calls(self) -> int:
        return sum(n for _code, _label, n in self.calls_by_risk or [])


def _in(when: Period, name: str) -> Q:
    return Q(**{f"{name}__gte": when.start, f"{name}__lte": when.end})


def _counted(rows: QuerySet[Consultation], name: str, choices: list[tuple[str, Any]]) -> list[tuple[str, str, int]]:
    counts = {row[name]: row["n"] for row in rows.order_by().values(name).annotate(n=Count("pk"))}
    return [(code, str(label), counts.get(code, 0)) for code, label in choices]


def psych_figures(scope: QuerySet[Consultation], when: Period, cases: QuerySet[Case]) -> PsychFigures:
    held = scope.filter(_in(when, "ended_at"), status=Consultation.Status.DONE)
    hospital_held = held.filter(place_kind=Consultation.Place.HOSPITAL)
    steps = RouteStep.objects.filter(
        _in(when, "finished_at"),
        status=RouteStep.Status.DONE,
        case__in=cases,
        case__organisation__kind=Organisation.Kind.HOSPITAL,
    ).exclude(kind=StepKind.PSYCHOLOGIST)
    patients = held.filter(client_kind=Consultation.ClientKind.PATIENT, person__isnull=False)
    relatives = held.filter(client_kind=Consultation.ClientKind.RELATIVE)
    called = scope.filter(_in(when, "called_at"), mode=Consultation.Mode.WALK_IN, queued_at__isnull=False)
    waits = [
        (c - q).total_seconds() / 60
        for q, c in called.values_list("queued_at", "called_at")
        if q is not None and c is not None
    ]
    services: list[ServiceFigures] = []
    names = dict(Organisation.objects.filter(pk__in=held.values("organisation")).values_list("pk", "name"))
    if len(names) > 1:
        rows = {
            row["organisation"]: row
            for row in held.order_by()
            .values("organisation")
            .annotate(
                n=Count("pk"),
                people=Count("person", distinct=True, filter=Q(client_kind=Consultation.ClientKind.PATIENT)),
            )
        }
        minutes = {
            row["organisation"]: row["m"] or 0
            for row in held.order_by().values("organisation").annotate(m=Sum("duration_minutes"))
        }
        services = [
            ServiceFigures(service=name, held=rows[pk]["n"], patients=rows[pk]["people"], minutes=minutes.get(pk, 0))
            for pk, name in sorted(names.items(), key=lambda item: item[1])
            if pk in rows
        ]
    return PsychFigures(
        held=held.count(),
        by_format=_counted(held, "format", Consultation.Format.choices),
        by_mode=_counted(held, "mode", Consultation.Mode.choices),
        by_place=_counted(held, "place_kind", Consultation.Place.choices),
        hospital_held=hospital_held.count(),
        hospital_steps=steps.count(),
        patients=patients.values("person").distinct().count(),
        relatives=relatives.filter(relative__isnull=False).values("relative").distinct().count()
        + relatives.filter(relative__isnull=True).count(),
        anonymous=held.filter(person__isnull=True).count(),
        median_wait=round(statistics.median(waits), 1) if waits else None,
        waits=len(waits),
        services=services,
    )


def panel(user: User, tcso: Organisation | None, when: Period) -> Panel | None:
    if not user.has_perm("psych.view_consultation"):
        return None
    scope = visible_consultations(user)
    if tcso is not None:
        scope = scope.filter(person__district__in=tcso.districts.all())
    cases = visible_cases(user)
    if tcso is not None:
        cases = cases.filter(person__district__in=tcso.districts.all())
    figures = psych_figures(scope, when, cases)
    if tcso is None and user.has_perm("psych.view_group"):
        figures.sessions = groups.sessions_held(user, when.start, when.end)
        figures.participants = groups.participants(user, when.start, when.end)
    if tcso is None:
        services = list(hotline.visible_lines(user).values_list("organisation_id", flat=True).distinct())
        if services:
            by_risk = hotline.calls_by_risk(services, when.start, when.end)
            figures.calls_by_risk = [(code, str(label), by_risk[code]) for code, label in HotlineCall.Risk.choices]
    return Panel(cards="reports/_psych.html", details="reports/_psych_details.html", context={"psych_figures": figures})
