"""The service catalogue every installation starts with; administrators edit it afterwards in admin."""

from dataclasses import dataclass

from django.apps import apps
from django.contrib.auth.management import create_permissions
from django.contrib.auth.models import Group, Permission
from django.db import transaction

from assistance.models import ServiceType
from core.roles import Role
from directory.models import Programme, Skill


@dataclass(frozen=True)
class CatalogueEntry:
    code: str
    name: str
    target_hours: int
    skills: tuple[str, ...] = ()
    handles_money: bool = False
    programmes: tuple[str, ...] = ("social_assistant",)
    description: str = ""


HOME = ("social_assistant", "home_care")
CATALOGUE = (
    CatalogueEntry("food", "Покупка и доставка продуктов", 24, ("cash",), True, HOME),
    CatalogueEntry(
        "medicines", "Покупка и доставка лекарств", 24, ("cash",), True, HOME, "В том числе лекарств по рецепту."
    ),
    CatalogueEntry(
        "rehab_devices", "Доставка технических средств реабилитации", 72, ("car", "heavy_loads"), False, HOME
    ),
    CatalogueEntry("household", "Бытовая помощь", 48, (), False, HOME),
    CatalogueEntry("pet_walking", "Выгул домашних животных", 24, ("pets",), False, ("social_assistant",)),
    CatalogueEntry(
        "firewood", "Доставка дров или угля на дачу", 120, ("car", "heavy_loads"), True, ("social_assistant",)
    ),
    CatalogueEntry(
        "documents", "Восстановление документов", 240, (), False, ("social_assistant", "hospital_coordination")
    ),
    CatalogueEntry(
        "contact_relatives", "Связь с родственниками", 24, (), False, ("social_assistant", "hospital_coordination")
    ),
    CatalogueEntry(
        "psych_consultation",
        "Психологическая консультация",
        72,
        ("psychology",),
        False,
        ("social_assistant", "psych_support"),
        "Передаётся в психологическую службу.",
    ),
    CatalogueEntry(
        "doctor_appointment", "Запись на приём к врачу", 48, (), False, ("social_assistant", "oncology_navigation")
    ),
    CatalogueEntry("home_care_visit", "Посещение на дому (социальное обслуживание)", 72, (), False, ("home_care",)),
    CatalogueEntry("other", "Другое", 72, (), False, HOME),
)


def load_catalogue(*, overwrite: bool = False) -> int:
    """Create the catalogue's service types that are missing; returns how many were created."""
    skills = {s.code: s for s in Skill.objects.all()}
    programmes = {p.code: p for p in Programme.objects.all()}
    created = 0
    with transaction.atomic():
        for order, entry in enumerate(CATALOGUE, start=1):
            defaults = {
                "name": entry.name,
                "target_hours": entry.target_hours,
                "handles_money": entry.handles_money,
                "description": entry.description,
                "sort_order": order * 10,
            }
            if overwrite:
                service, is_new = ServiceType.objects.update_or_create(code=entry.code, defaults=defaults)
            else:
                service, is_new = ServiceType.objects.get_or_create(code=entry.code, defaults=defaults)
            if is_new or overwrite:
                service.required_skills.set([skills[c] for c in entry.skills if c in skills])
                service.programmes.set([programmes[c] for c in entry.programmes if c in programmes])
            created += is_new
    grant_administrators()
    return created


def grant_administrators() -> None:
    """Administrators maintain the catalogue in Django admin."""
    create_permissions(apps.get_app_config("assistance"), verbosity=0)
    group, _created = Group.objects.get_or_create(name=Role.ADMINISTRATOR)
    group.permissions.add(
        *Permission.objects.filter(content_type__app_label="assistance", codename__endswith="_servicetype")
    )
