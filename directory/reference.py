"""Load the reference data every installation needs: territory, programmes, skills, organisations, roles
and the ICD-10 codes of neoplasms.

Used by ``load_reference`` and ``seed_demo``; safe to run on every start. The territory (okrugs and
districts) and the diagnosis codes always follow the CSVs shipped in ``data/``. Programmes, skills and
organisations are created once and afterwards belong to the administrators: a restart never overwrites
what they changed in the admin. ``--overwrite`` resets them to the built-in values.
"""

import csv
import random
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.apps import apps
from django.contrib.auth.management import create_permissions
from django.contrib.auth.models import Group, Permission
from faker.providers.address.ru_RU import Provider as RussianAddresses

from core.roles import Role
from core.validators import fold_name
from directory.models import DiagnosisCode, District, Okrug, Organisation, Programme, Skill

DISTRICTS_CSV = Path("data") / "moscow_districts.csv"
# Chapter II "Новообразования" (C00-D48) of ICD-10 as the Ministry of Health's register of reference data
# (НСИ Минздрава России, OID 1.2.643.5.1.13.13.11.1005, version 2.27) has it: every current category and
# subcategory, with the smallest block each belongs to. Codes the register marks as no longer current
# (e.g. C14.1, C83.2) are left out.
DIAGNOSIS_CODES_CSV = Path("data") / "icd10_c00_d48.csv"
_CATEGORY = re.compile(r"[A-Z]\d\d")
_SUBCATEGORY = re.compile(r"[A-Z]\d\d\.\d")
_BLOCK = re.compile(r"[A-Z]\d\d-[A-Z]\d\d")

DISTRICT_KINDS = {
    "район": District.Kind.DISTRICT,
    "поселение": District.Kind.SETTLEMENT,
    "городской округ": District.Kind.URBAN_OKRUG,
}

PROGRAMMES: dict[str, tuple[str, str]] = {
    "social_assistant": (
        "Мой социальный помощник",
        "Помощь пожилым и маломобильным москвичам: покупка и доставка продуктов и лекарств, бытовая "
        "помощь, выгул животных, восстановление документов, связь с родственниками. Заявки принимает "
        "колл-центр по телефону +7 495 870-45-09, выполняют социальные работники и волонтёры ТЦСО.",
    ),
    "home_care": (
        "Социальное обслуживание на дому",
        "Регулярные посещения социального работника на дому по индивидуальной программе "
        "предоставления социальных услуг, которую составляет ТЦСО района.",
    ),
    "hospital_coordination": (
        "Социальные координаторы в больницах",
        "Социальные координаторы в городских больницах помогают пациентам в трудной жизненной "
        "ситуации: связываются с родственниками, восстанавливают документы, оформляют помощь и "
        "передают человека ТЦСО по месту жительства после выписки.",
    ),
    "psych_support": (
        "Психологическая поддержка",
        "Бесплатные консультации психологов, группы поддержки и круглосуточная горячая линия для "
        "москвичей, их родных и близких.",
    ),
    "oncology_navigation": (
        "Персональный помощник для онкопациентов",
        "Персональный помощник сопровождает пациента с подозрением на онкологическое заболевание или "
        "с подтверждённым диагнозом: записывает на обследования и консультации в центры амбулаторной "
        "онкологической помощи, напоминает о визитах и отвечает на вопросы.",
    ),
}

SKILLS: dict[str, str] = {
    "car": "Есть автомобиль",
    "heavy_loads": "Переноска тяжестей",
    "psychology": "Психологическая помощь",
    "medical": "Медицинское образование",
    "pets": "Выгул животных",
    "cash": "Работа с наличными (покупки)",
}

CALL_CENTRE_NAME = "Колл-центр «Мой социальный помощник»"
PSYCH_SERVICE_NAME = "Московская служба психологической помощи населению"
DISTRICTS_PER_TCSO = 4
# Okrugs far from the centre, with few people, get one hospital instead of two.
ONE_HOSPITAL_OKRUGS = frozenset({"ЗелАО", "ТАО", "НАО"})
ONCOLOGY_CENTRES = 3

TCSO_HOURS = "пн–пт 08:00–20:00"
HOSPITAL_HOURS = "круглосуточно"
POLYCLINIC_HOURS = "пн–пт 08:00–20:00, сб 09:00–15:00"
ONCOLOGY_HOURS = "пн–пт 08:00–20:00"

# Administrators keep the reference data in the Django admin; every other role works through Opora's own
# screens, where access is decided by the rules in core, not by model permissions.
ADMINISTRATOR_AUTH_MODELS = ("user", "group")
ADMINISTRATOR_AUTH_ACTIONS = ("view", "add", "change")
ADMINISTRATOR_DIRECTORY_ACTIONS = ("view", "add", "change", "delete")

_STREETS = sorted({*RussianAddresses.street_titles, *RussianAddresses.street_titles_noflex})


@dataclass(frozen=True)
class DistrictRow:
    okrug_code: str
    okrug_name: str
    name: str
    kind: str
    population: int


@dataclass(frozen=True)
class OrganisationSpec:
    kind: str
    name: str
    okrug_code: str | None = None
    district_names: tuple[str, ...] = ()
    programme_codes: tuple[str, ...] = ()
    address: str = ""
    phone: str = ""
    working_hours: str = ""
    short_name: str = ""


@dataclass(frozen=True)
class DiagnosisRow:
    code: str
    name: str
    parent: str
    block_code: str


@dataclass
class LoadResult:
    created: dict[str, int] = field(default_factory=dict)

    def count(self, what: str, created: bool) -> None:
        self.add(what, int(created))

    def add(self, what: str, created: int) -> None:
        self.created[what] = self.created.get(what, 0) + created


def read_districts(path: Path) -> list[DistrictRow]:
    rows: list[DistrictRow] = []
    with path.open(encoding="utf-8", newline="") as source:
        for line, row in enumerate(csv.DictReader(source), start=2):
            try:
                kind = DISTRICT_KINDS[row["kind"].strip()]
                rows.append(
                    DistrictRow(
                        okrug_code=row["okrug_code"].strip(),
                        okrug_name=row["okrug_name"].strip(),
                        name=row["district"].strip(),
                        kind=kind,
                        population=int(row["population"]),
                    )
                )
            except (KeyError, ValueError) as exc:
                raise ValueError(f"{path}, line {line}: cannot read {row!r} ({exc})") from exc
    return rows


def read_diagnosis_codes(path: Path) -> list[DiagnosisRow]:
    """The rows of ``path``, checked: well-formed codes, no repeats, each subcategory under its category."""
    rows: list[DiagnosisRow] = []
    categories: set[str] = set()
    with path.open(encoding="utf-8", newline="") as source:
        for line, row in enumerate(csv.DictReader(source), start=2):
            try:
                code, name = row["code"].strip(), " ".join(row["name"].split())
                parent, block_code = row["parent"].strip(), row["block"].strip()
                if not name:
                    raise ValueError("no name")
                if not _BLOCK.fullmatch(block_code):
                    raise ValueError(f"block {block_code!r} is not like C00-C14")
                if _CATEGORY.fullmatch(code) and not parent:
                    if code in categories:
                        raise ValueError(f"{code} repeats")
                    categories.add(code)
                elif not (_SUBCATEGORY.fullmatch(code) and parent == code[:3]):
                    raise ValueError(f"{code!r} is neither a category nor a subcategory of {parent!r}")
                rows.append(DiagnosisRow(code=code, name=name, parent=parent, block_code=block_code))
            except (AttributeError, KeyError, ValueError) as exc:
                raise ValueError(f"{path}, line {line}: cannot read {row!r} ({exc})") from exc
    repeated = sorted(code for code, times in Counter(row.code for row in rows).items() if times > 1)
    if repeated:
        raise ValueError(f"{path}: {', '.join(repeated)} repeats")
    orphans = sorted(row.code for row in rows if row.parent and row.parent not in categories)
    if orphans:
        raise ValueError(f"{path}: no category for {', '.join(orphans)}")
    return rows


def _street_address(seed: str) -> tuple[str, str]:
    """A plausible Moscow address and a city phone, always the same for the same ``seed``."""
    rng = random.Random(seed)
    address = f"г. Москва, ул. {rng.choice(_STREETS)}, д. {rng.randint(1, 60)}"
    phone = f"+7495{rng.randint(2_000_000, 9_999_999)}"
    return address, phone


def district_groups(names: list[str], size: int = DISTRICTS_PER_TCSO) -> list[tuple[str, ...]]:
    """Split ``names`` into the fewest groups of at most ``size``, as even as possible (13 -> 4+3+3+3)."""
    count = -(-len(names) // size)
    groups: list[tuple[str, ...]] = []
    start = 0
    for index in range(count):
        length = len(names) // count + (1 if index < len(names) % count else 0)
        groups.append(tuple(names[start : start + length]))
        start += length
    return groups


def plan_organisations(rows: list[DistrictRow]) -> list[OrganisationSpec]:
    """The organisations of the demo city, derived deterministically from the districts."""
    by_okrug: dict[str, list[str]] = {}
    for row in rows:
        by_okrug.setdefault(row.okrug_code, []).append(row.name)
    okrug_codes = sorted(by_okrug)

    specs = [
        OrganisationSpec(
            kind=Organisation.Kind.CALL_CENTRE,
            name=CALL_CENTRE_NAME,
            short_name="Колл-центр",
            programme_codes=("social_assistant",),
            phone="+74958704509",
            working_hours="ежедневно 08:00–21:00",
        )
    ]

    # One TCSO per group of at most four alphabetically adjacent districts of an okrug.
    for code in okrug_codes:
        for group in district_groups(sorted(by_okrug[code], key=fold_name)):
            name = f"ТЦСО «{group[0]}»"
            address, phone = _street_address(name)
            specs.append(
                OrganisationSpec(
                    kind=Organisation.Kind.TCSO,
                    name=name,
                    okrug_code=code,
                    district_names=group,
                    programme_codes=("social_assistant", "home_care"),
                    address=address,
                    phone=phone,
                    working_hours=TCSO_HOURS,
                )
            )

    hospitals: list[OrganisationSpec] = []
    for code in okrug_codes:
        for _ in range(1 if code in ONE_HOSPITAL_OKRUGS else 2):
            name = f"ГКБ № {len(hospitals) + 1}"
            address, phone = _street_address(name)
            hospitals.append(
                OrganisationSpec(
                    kind=Organisation.Kind.HOSPITAL,
                    name=name,
                    okrug_code=code,
                    programme_codes=("hospital_coordination", "psych_support"),
                    address=address,
                    phone=phone,
                    working_hours=HOSPITAL_HOURS,
                )
            )
    specs.extend(hospitals)

    for number, code in enumerate(okrug_codes, start=1):
        name = f"Городская поликлиника № {number}"
        address, phone = _street_address(name)
        specs.append(
            OrganisationSpec(
                kind=Organisation.Kind.POLYCLINIC,
                name=name,
                okrug_code=code,
                address=address,
                phone=phone,
                working_hours=POLYCLINIC_HOURS,
            )
        )

    # Outpatient oncology centres work inside hospitals; take hospitals spread across the okrugs.
    step = max(1, len(hospitals) // ONCOLOGY_CENTRES)
    for hospital in hospitals[::step][:ONCOLOGY_CENTRES]:
        _, phone = _street_address(f"ЦАОП {hospital.name}")
        specs.append(
            OrganisationSpec(
                kind=Organisation.Kind.ONCOLOGY_CENTRE,
                name=f"ЦАОП {hospital.name}",
                okrug_code=hospital.okrug_code,
                programme_codes=("oncology_navigation", "psych_support"),
                address=hospital.address,
                phone=phone,
                working_hours=ONCOLOGY_HOURS,
            )
        )

    specs.append(
        OrganisationSpec(
            kind=Organisation.Kind.PSYCH_SERVICE,
            name=PSYCH_SERVICE_NAME,
            short_name="МСППН",
            programme_codes=("psych_support",),
            working_hours="круглосуточно, телефон 051 (с мобильного +7 495 051)",
        )
    )
    return specs


def load_territory(rows: list[DistrictRow], result: LoadResult) -> dict[str, District]:
    okrugs: dict[str, Okrug] = {}
    for row in rows:
        if row.okrug_code not in okrugs:
            okrugs[row.okrug_code], created = Okrug.objects.update_or_create(
                code=row.okrug_code, defaults={"name": row.okrug_name}
            )
            result.count("okrugs", created)
    existing = {d.name: d for d in District.objects.all()}
    districts: dict[str, District] = {}
    for row in rows:
        wanted = {"okrug_id": okrugs[row.okrug_code].pk, "kind": row.kind, "population": row.population}
        district = existing.get(row.name)
        # Compare first so that a restart with an unchanged CSV writes nothing.
        if district is None or any(getattr(district, k) != v for k, v in wanted.items()):
            district, created = District.objects.update_or_create(name=row.name, defaults=wanted)
            result.count("districts", created)
        districts[row.name] = district
    return districts


def load_diagnosis_codes(rows: list[DiagnosisRow], result: LoadResult) -> None:
    """Make the codes follow ``rows``: add the missing, correct the changed, deactivate those not listed.

    A code is never deleted (referrals name it); a listed code that was deactivated is active again.
    Compares first, so that a restart with an unchanged CSV writes nothing.
    """
    existing = {c.code: c for c in DiagnosisCode.objects.all()}
    missing = [
        DiagnosisCode(code=row.code, name=row.name, name_folded=fold_name(row.name), block_code=row.block_code)
        for row in rows
        if row.code not in existing
    ]
    if missing:
        DiagnosisCode.objects.bulk_create(missing)
        existing = {c.code: c for c in DiagnosisCode.objects.all()}
    result.add("diagnosis codes", len(missing))

    changed: list[DiagnosisCode] = []
    for row in rows:
        code = existing[row.code]
        wanted = {
            "name": row.name,
            "name_folded": fold_name(row.name),
            "block_code": row.block_code,
            "parent_id": existing[row.parent].pk if row.parent else None,
            "is_active": True,
        }
        if any(getattr(code, k) != v for k, v in wanted.items()):
            for k, v in wanted.items():
                setattr(code, k, v)
            changed.append(code)
    if changed:
        DiagnosisCode.objects.bulk_update(changed, ["name", "name_folded", "block_code", "parent", "is_active"])
    listed = {row.code for row in rows}
    stale = [code.pk for code in existing.values() if code.is_active and code.code not in listed]
    if stale:
        DiagnosisCode.objects.filter(pk__in=stale).update(is_active=False)


def _create_or_overwrite(
    model: Any, overwrite: bool, lookup: dict[str, Any], values: dict[str, Any]
) -> tuple[Any, bool]:
    if overwrite:
        return model.objects.update_or_create(**lookup, defaults=values)
    return model.objects.get_or_create(**lookup, defaults=values)


def load_catalogues(overwrite: bool, result: LoadResult) -> dict[str, Programme]:
    programmes: dict[str, Programme] = {}
    for code, (name, description) in PROGRAMMES.items():
        programmes[code], created = _create_or_overwrite(
            Programme, overwrite, {"code": code}, {"name": name, "description": description}
        )
        result.count("programmes", created)
    for code, name in SKILLS.items():
        _, created = _create_or_overwrite(Skill, overwrite, {"code": code}, {"name": name})
        result.count("skills", created)
    return programmes


def load_organisations(
    specs: list[OrganisationSpec],
    districts: dict[str, District],
    programmes: dict[str, Programme],
    overwrite: bool,
    result: LoadResult,
) -> None:
    okrugs = {o.code: o for o in Okrug.objects.all()}
    for spec in specs:
        values = {
            "kind": spec.kind,
            "short_name": spec.short_name,
            "okrug": okrugs[spec.okrug_code] if spec.okrug_code else None,
            "address": spec.address,
            "phone": spec.phone,
            "working_hours": spec.working_hours,
        }
        organisation, created = _create_or_overwrite(Organisation, overwrite, {"name": spec.name}, values)
        result.count("organisations", created)
        if created or overwrite:
            organisation.districts.set([districts[name] for name in spec.district_names])
            organisation.programmes.set([programmes[code] for code in spec.programme_codes])


def administrator_permission_codenames() -> dict[str, list[str]]:
    """The admin permissions of administrators: the directory's reference data, accounts and groups, and the
    reference data each app names in its ``AppConfig.administrator_models`` (the production calendar and the
    facilities' hours, the personal assistants' capacities, the journey's step templates…)."""
    directory_models = [m._meta.model_name for m in apps.get_app_config("directory").get_models()]
    wanted = {
        "directory": [f"{a}_{m}" for m in directory_models for a in ADMINISTRATOR_DIRECTORY_ACTIONS],
        "auth": [f"{a}_{m}" for m in ADMINISTRATOR_AUTH_MODELS for a in ADMINISTRATOR_AUTH_ACTIONS],
    }
    for config in apps.get_app_configs():
        models = getattr(config, "administrator_models", ())
        if models:
            wanted.setdefault(config.label, []).extend(
                f"{a}_{m}" for m in models for a in ADMINISTRATOR_DIRECTORY_ACTIONS
            )
    return wanted


def load_roles(result: LoadResult | None = None) -> None:
    """Make sure every role group exists and administrators hold their admin permissions."""
    result = result or LoadResult()
    groups = {}
    for role in Role:
        groups[role.value], created = Group.objects.get_or_create(name=role.value)
        result.count("groups", created)

    wanted = administrator_permission_codenames()

    def find() -> list[Permission]:
        found: list[Permission] = []
        for app_label, codenames in wanted.items():
            found += Permission.objects.filter(content_type__app_label=app_label, codename__in=codenames)
        return found

    permissions = find()
    if len(permissions) < sum(len(c) for c in wanted.values()):
        # Normally made by migrate's post_migrate signal; make them if this database skipped it.
        for app_label in wanted:
            create_permissions(apps.get_app_config(app_label), verbosity=0)
        permissions = find()
    administrator = groups[Role.ADMINISTRATOR.value]
    missing = set(permissions) - set(administrator.permissions.all())
    if missing:
        administrator.permissions.add(*missing)
