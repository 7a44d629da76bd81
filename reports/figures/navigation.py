"""Oncology navigation figures: referrals registered, the patients' answers and the consent rate, patients
enrolled, and the active caseload of each personal assistant against their capacity; per polyclinic.

Definitions (plain queries a SQL count would read; tests compare them):
- referrals registered: ``Referral.created_at`` in the period; answered: ``consent_recorded_at`` in it;
- the consent rate: agreed / (agreed + refused) among those answered in the period;
- enrolled: answered «agreed» in the period;
- active caseload: journeys not closed, now, per assistant, with the capacity administrators set.
The scope is ``navigation.selectors``: a supervisor every polyclinic, an assistant their own patients and
referrals (their figures are their own). A TCSO chosen on the dashboard narrows to its districts' citizens.
"""

from dataclasses import dataclass, field

from django.contrib.auth.models import User
from django.db.models import Count, Q

from directory.models import Organisation
from navigation.models import AssistantCapacity, Referral, Stage
from navigation.selectors import visible_journeys, visible_referrals
from reports.figures import Panel
from reports.periods import Period

ORDER = 50


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
class NavigationFigures:
    registered: int
    agreed: int
    refused: int
    waiting: int
    caseloads: list[Caseload] = field(default_factory=list)
    polyclinics: list[PolyclinicFigures] = field(default_factory=list)

    @property
    def consent_rate(self) -> float | None:
        answered = self.agreed + self.refused
        return round(100 * self.agreed / answered, 1) if answered else None


def _in(when: Period, name: str) -> Q:
    return Q(**{f"{name}__gte": when.start, f"{name}__lte": when.end})


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
                assistant=" ".join(p for p in (row["assistant__first_name"], row["assistant__last_name"]) if p)
                or row["assistant__username"],
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
    return NavigationFigures(
        registered=registered.count(),
        agreed=answered.filter(consent=Referral.Consent.GIVEN).count(),
        refused=answered.filter(consent=Referral.Consent.REFUSED).count(),
        waiting=referrals.filter(consent=Referral.Consent.PENDING).count(),
        caseloads=caseloads,
        polyclinics=[
            PolyclinicFigures(row["polyclinic__name"], row["n"], row["agreed"], row["refused"]) for row in by_polyclinic
        ],
    )


def panel(user: User, tcso: Organisation | None, when: Period) -> Panel | None:
    if not user.has_perm("navigation.view_journey"):
        return None
    return Panel(
        cards="reports/_navigation.html",
        details="reports/_navigation_details.html",
        context={"navigation_figures": navigation_figures(user, tcso, when)},
    )
