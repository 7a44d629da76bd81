"""Demo cases of hospital social coordination: the demo coordinator's patients in every stage.

Made through the real services (assessment, proposed steps, moves, closing), once: nothing is added
while any case exists.
"""

import datetime

from django.db import transaction
from django.utils import timezone

from cases import services
from cases.models import Case
from core.actor import Actor
from demo.seed import SeedContext
from people.models import Person

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


def seed(ctx: SeedContext) -> int:
    if Case.objects.exists():
        return 0
    coordinator = ctx.users.get("coordinator")
    if coordinator is None:
        return 0
    actor = Actor.system(coordinator)
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
