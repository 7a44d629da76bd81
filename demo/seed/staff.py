"""The field staff of every TCSO: six social workers and two volunteers, serving its districts.

Written with ``bulk_create`` (about 320 workers; there is no business action for making workers), in
one transaction. Logins without a usable password: only the demo users log in.
"""

import random

from django.contrib.auth.models import Group, User
from django.db import transaction
from django.db.models import Q

from core.roles import Role
from demo.seed import SeedContext
from demo.seed._names import Identifiers, name_pools, random_name
from directory.models import Organisation, Skill, Worker
from people.models import Sex

ORDER = 20
LABEL = "Field staff"

SOCIAL_WORKERS_PER_TCSO = 6
VOLUNTEERS_PER_TCSO = 2


def seed_field_staff(*, seed: int) -> int:
    """Six social workers and two volunteers for every TCSO; returns how many were added."""
    rng = random.Random(f"staff:{seed}")
    pools = name_pools()
    groups = {g.name: g for g in Group.objects.filter(name__in=[Role.SOCIAL_WORKER, Role.VOLUNTEER])}
    skills = sorted(Skill.objects.all(), key=lambda s: s.code)
    existing = set(
        User.objects.filter(Q(username__startswith="sw-") | Q(username__startswith="vol-")).values_list(
            "username", flat=True
        )
    )
    tcsos = Organisation.objects.filter(kind=Organisation.Kind.TCSO).prefetch_related("districts").order_by("pk")

    plans: list[tuple[User, Worker, list[int], list[int], Role]] = []
    for tcso in tcsos:
        district_ids = sorted(d.pk for d in tcso.districts.all())
        roster = [("sw", n, Role.SOCIAL_WORKER) for n in range(1, SOCIAL_WORKERS_PER_TCSO + 1)] + [
            ("vol", n, Role.VOLUNTEER) for n in range(1, VOLUNTEERS_PER_TCSO + 1)
        ]
        for prefix, number, role in roster:
            # Draw names for existing users too, so the same username keeps getting the same name.
            sex = Sex.FEMALE if rng.random() < (0.8 if role == Role.SOCIAL_WORKER else 0.5) else Sex.MALE
            name = random_name(rng, pools, sex)
            skill_ids = [s.pk for s in rng.sample(skills, rng.randint(1, 3))] if skills else []
            username = f"{prefix}-{tcso.pk}-{number}"
            if username in existing:
                continue
            user = User(username=username, first_name=name.given_name, last_name=name.surname)
            user.set_unusable_password()
            volunteer = role == Role.VOLUNTEER
            worker = Worker(
                kind=Worker.Kind.VOLUNTEER if volunteer else Worker.Kind.STAFF,
                surname=name.surname,
                given_name=name.given_name,
                patronymic=name.patronymic,
                position="Волонтёр" if volunteer else "Социальный работник",
                organisation=tcso,
                daily_capacity=4 if volunteer else 8,
            )
            plans.append((user, worker, district_ids, skill_ids, role))
    if not plans:
        return 0
    identifiers = Identifiers(rng)
    identifiers.load_existing()
    for _, worker, *_ in plans:
        worker.public_phone = identifiers.mobile()

    with transaction.atomic():
        User.objects.bulk_create([p[0] for p in plans])
        for user, worker, *_ in plans:
            worker.user = user
        Worker.objects.bulk_create([p[1] for p in plans])
        User.groups.through.objects.bulk_create(
            [User.groups.through(user_id=user.pk, group_id=groups[role].pk) for user, _, _, _, role in plans]
        )
        Worker.districts.through.objects.bulk_create(
            [Worker.districts.through(worker_id=w.pk, district_id=d) for _, w, ds, _, _ in plans for d in ds]
        )
        Worker.skills.through.objects.bulk_create(
            [Worker.skills.through(worker_id=w.pk, skill_id=s) for _, w, _, ss, _ in plans for s in ss]
        )
    return len(plans)


def seed(ctx: SeedContext) -> int:
    if ctx.keep_city:
        return 0
    return seed_field_staff(seed=ctx.seed)


def summary(added: int, seconds: float) -> str:
    return f"{Worker.objects.count()} workers ({added} added)"
