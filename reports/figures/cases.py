"""Hospital coordination figures: citizens helped, issues solved by kind, cases opened, closed and open,
the outcomes of those closed, and how fast crises were answered; per hospital where there are several.

Definitions (each a plain query over the rows a SQL count would read; tests compare them):
- an issue solved is a route step marked done in the period (``finished_at`` in it, status ``done``);
- a citizen helped is a distinct citizen with at least one such step in the period;
- cases opened: ``created_at`` in the period; closed: ``closed_at`` in it; open now: status ``open``;
- crisis response: from ``raised_at`` to ``answered_at`` of the crises (``CrisisAlert``) marked in the
  period and answered (shown only when there are any).
The scope is ``cases.selectors.visible_cases``: a coordinator's and a hospital supervisor's own hospital,
a city supervisor's every hospital. A TCSO chosen on the dashboard narrows it to the citizens of the
districts it serves.
- hand-offs: made (``created_at``) in the period; completed: of those, the ones the TCSO has done by now.
"""

import statistics
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.models import User
from django.db.models import Count, Q, QuerySet

from cases.models import Case, CrisisAlert, Handoff, RouteStep, StepKind
from cases.selectors import visible_cases
from directory.models import Organisation
from reports.figures import Panel
from reports.periods import Period

ORDER = 30


@dataclass
class HospitalFigures:
    hospital: str
    helped: int = 0
    solved: int = 0
    opened: int = 0
    closed: int = 0
    open_now: int = 0
    handoffs: int = 0
    handoffs_completed: int = 0


@dataclass
class CaseFigures:
    helped: int
    solved: int
    solved_by_kind: list[tuple[str, str, int]]  # code, label, count; every kind, in StepKind's order
    opened: int
    closed: int
    open_now: int
    outcomes: list[tuple[str, str, int]]  # of the cases closed in the period; every outcome
    crises: int
    crises_answered: int
    median_minutes_to_answer: float | None
    handoffs: int = 0
    handoffs_completed: int = 0
    hospitals: list[HospitalFigures] = field(default_factory=list)  # only when the scope spans several


def _in(when: Period, name: str) -> Q:
    return Q(**{f"{name}__gte": when.start, f"{name}__lte": when.end})


def _by_hospital(rows: QuerySet[Any], key: str) -> dict[int, int]:
    return {row[key]: row["n"] for row in rows}


def case_figures(scope: QuerySet[Case], when: Period) -> CaseFigures:
    solved_steps = RouteStep.objects.filter(_in(when, "finished_at"), case__in=scope, status=RouteStep.Status.DONE)
    by_kind = {row["kind"]: row["n"] for row in solved_steps.values("kind").annotate(n=Count("pk"))}
    opened = scope.filter(_in(when, "created_at"))
    closed = scope.filter(_in(when, "closed_at"), status=Case.Status.CLOSED)
    by_outcome = {row["outcome"]: row["n"] for row in closed.values("outcome").annotate(n=Count("pk"))}
    crises = CrisisAlert.objects.filter(_in(when, "raised_at"), case__in=scope)
    answered = crises.filter(answered_at__isnull=False).values_list("raised_at", "answered_at")
    durations = [(end - start).total_seconds() / 60 for start, end in answered if end is not None]
    handed = Handoff.objects.filter(_in(when, "created_at"), case__in=scope)
    completed = handed.filter(status=Handoff.Status.COMPLETED)

    hospitals: dict[int, HospitalFigures] = {}
    names = dict(Organisation.objects.filter(pk__in=scope.values("organisation")).values_list("pk", "name"))
    if len(names) > 1:
        counts = {
            "helped": _by_hospital(
                solved_steps.values("case__organisation").annotate(n=Count("case__person", distinct=True)),
                "case__organisation",
            ),
            "solved": _by_hospital(
                solved_steps.values("case__organisation").annotate(n=Count("pk")), "case__organisation"
            ),
            "opened": _by_hospital(opened.values("organisation").annotate(n=Count("pk")), "organisation"),
            "closed": _by_hospital(closed.values("organisation").annotate(n=Count("pk")), "organisation"),
            "open_now": _by_hospital(
                scope.filter(status=Case.Status.OPEN).values("organisation").annotate(n=Count("pk")), "organisation"
            ),
            "handoffs": _by_hospital(handed.values("case__organisation").annotate(n=Count("pk")), "case__organisation"),
            "handoffs_completed": _by_hospital(
                completed.values("case__organisation").annotate(n=Count("pk")), "case__organisation"
            ),
        }
        for pk, name in sorted(names.items(), key=lambda item: item[1]):
            hospitals[pk] = HospitalFigures(hospital=name, **{k: v.get(pk, 0) for k, v in counts.items()})

    return CaseFigures(
        helped=solved_steps.values("case__person").distinct().count(),
        solved=sum(by_kind.values()),
        solved_by_kind=[(code, str(label), by_kind.get(code, 0)) for code, label in StepKind.choices],
        opened=opened.count(),
        closed=sum(by_outcome.values()),
        open_now=scope.filter(status=Case.Status.OPEN).count(),
        outcomes=[(code, str(label), by_outcome.get(code, 0)) for code, label in Case.Outcome.choices],
        crises=crises.count(),
        crises_answered=len(durations),
        median_minutes_to_answer=statistics.median(durations) if durations else None,
        handoffs=handed.count(),
        handoffs_completed=completed.count(),
        hospitals=list(hospitals.values()),
    )


def panel(user: User, tcso: Organisation | None, when: Period) -> Panel | None:
    if not user.has_perm("cases.view_case"):
        return None
    scope = visible_cases(user)
    if tcso is not None:
        # A case counts for the TCSO serving its patient's district, as a call does.
        scope = scope.filter(person__district__in=tcso.districts.all())
    return Panel(
        cards="reports/_cases.html",
        details="reports/_cases_details.html",
        context={"cases_figures": case_figures(scope, when)},
    )
