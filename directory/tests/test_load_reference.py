import csv
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.models import Group, Permission
from django.core.management import call_command
from django.db.models import Count, Q, Sum

from core.roles import Role
from core.validators import fold_name, normalise_phone
from directory.models import DiagnosisCode, District, Okrug, Organisation, Programme, Skill

pytestmark = pytest.mark.django_db

Kind = Organisation.Kind


def load_reference(*args: str) -> str:
    out = StringIO()
    call_command("load_reference", *args, stdout=out)
    return out.getvalue()


def csv_rows() -> list[dict[str, str]]:
    with (Path(settings.BASE_DIR) / "data" / "moscow_districts.csv").open(encoding="utf-8") as source:
        return list(csv.DictReader(source))


def counts() -> dict[str, int]:
    return {
        "okrugs": Okrug.objects.count(),
        "districts": District.objects.count(),
        "programmes": Programme.objects.count(),
        "skills": Skill.objects.count(),
        "organisations": Organisation.objects.count(),
        "groups": Group.objects.count(),
        "diagnosis codes": DiagnosisCode.objects.count(),
        "active diagnosis codes": DiagnosisCode.objects.filter(is_active=True).count(),
    }


def test_loads_all_146_districts_with_the_population_of_the_csv() -> None:
    load_reference()

    assert District.objects.count() == 146
    assert Okrug.objects.count() == 12
    expected = sum(int(row["population"]) for row in csv_rows())
    assert District.objects.aggregate(total=Sum("population"))["total"] == expected


def test_district_kinds_follow_the_csv() -> None:
    load_reference()

    new_moscow = District.objects.filter(okrug__code="НАО")
    assert new_moscow.filter(kind=District.Kind.SETTLEMENT).count() == 10
    assert new_moscow.filter(kind=District.Kind.URBAN_OKRUG).count() == 1
    assert District.objects.get(name="Бирюлёво Восточное").kind == District.Kind.DISTRICT
    assert District.objects.get(name="Бирюлёво Восточное").okrug.code == "ЮАО"


def test_every_district_is_served_by_exactly_one_tcso() -> None:
    load_reference()

    served = District.objects.annotate(tcsos=Count("organisations", filter=Q(organisations__kind=Kind.TCSO)))
    assert served.count() == 146
    assert set(served.values_list("tcsos", flat=True)) == {1}


def test_each_tcso_serves_up_to_four_districts_of_its_own_okrug_and_is_named_after_the_first() -> None:
    load_reference()

    tcsos = Organisation.objects.filter(kind=Kind.TCSO).prefetch_related("districts", "programmes")
    assert tcsos.count() == 40
    for tcso in tcsos:
        names = sorted((d.name for d in tcso.districts.all()), key=fold_name)
        assert 1 <= len(names) <= 4
        assert {d.okrug_id for d in tcso.districts.all()} == {tcso.okrug_id}
        assert tcso.name == f"ТЦСО «{names[0]}»"
        assert {p.code for p in tcso.programmes.all()} == {"social_assistant", "home_care"}
        assert tcso.working_hours == "пн–пт 08:00–20:00"
        assert tcso.address.startswith("г. Москва, ")


def test_tcso_of_biryulyovo_vostochnoye_exists() -> None:
    load_reference()

    tcso = Organisation.objects.get(kind=Kind.TCSO, districts__name="Бирюлёво Восточное")
    assert tcso.name == "ТЦСО «Бирюлёво Восточное»"


def test_two_hospitals_per_okrug_and_one_in_zelenograd_troitsk_and_new_moscow() -> None:
    load_reference()

    per_okrug = dict(Organisation.objects.filter(kind=Kind.HOSPITAL).values_list("okrug__code").annotate(n=Count("pk")))
    assert per_okrug.pop("ЗелАО") == per_okrug.pop("ТАО") == per_okrug.pop("НАО") == 1
    assert set(per_okrug.values()) == {2}
    assert len(per_okrug) == 9
    hospital = Organisation.objects.filter(kind=Kind.HOSPITAL).first()
    assert hospital is not None
    assert {p.code for p in hospital.programmes.all()} == {"hospital_coordination", "psych_support"}


def test_one_polyclinic_per_okrug_and_three_oncology_centres() -> None:
    load_reference()

    polyclinics = Organisation.objects.filter(kind=Kind.POLYCLINIC)
    assert polyclinics.count() == 12
    assert polyclinics.values("okrug").distinct().count() == 12
    centres = Organisation.objects.filter(kind=Kind.ONCOLOGY_CENTRE)
    assert centres.count() == 3
    for centre in centres:
        assert centre.name.startswith("ЦАОП ГКБ № ")
        assert {p.code for p in centre.programmes.all()} == {"oncology_navigation", "psych_support"}


def test_call_centre_and_psychological_service() -> None:
    load_reference()

    call_centre = Organisation.objects.get(kind=Kind.CALL_CENTRE)
    assert call_centre.name == "Колл-центр «Мой социальный помощник»"
    assert call_centre.phone == "+74958704509"
    assert call_centre.working_hours == "ежедневно 08:00–21:00"
    assert [p.code for p in call_centre.programmes.all()] == ["social_assistant"]
    service = Organisation.objects.get(kind=Kind.PSYCH_SERVICE)
    assert service.name == "Московская служба психологической помощи населению"
    assert service.phone == ""
    assert service.working_hours == "круглосуточно, телефон 051 (с мобильного +7 495 051)"
    assert [p.code for p in service.programmes.all()] == ["psych_support"]


def test_organisation_phones_are_valid_e164() -> None:
    load_reference()

    phones = list(Organisation.objects.exclude(phone="").values_list("phone", flat=True))
    assert len(phones) == Organisation.objects.count() - 1  # all but the 051 service
    assert all(normalise_phone(phone) == phone for phone in phones)


def test_programmes_and_skills_have_russian_names() -> None:
    load_reference()

    assert dict(Programme.objects.values_list("code", "name")) == {
        "social_assistant": "Мой социальный помощник",
        "home_care": "Социальное обслуживание на дому",
        "hospital_coordination": "Социальные координаторы в больницах",
        "psych_support": "Психологическая поддержка",
        "oncology_navigation": "Персональный помощник для онкопациентов",
    }
    assert all(Programme.objects.values_list("description", flat=True))
    assert Skill.objects.get(code="car").name == "Есть автомобиль"
    assert Skill.objects.count() == 6


def test_running_twice_changes_nothing() -> None:
    load_reference()
    before = counts()
    ids = set(Organisation.objects.values_list("pk", "name"))

    output = load_reference()

    assert counts() == before
    assert set(Organisation.objects.values_list("pk", "name")) == ids
    assert "0 created" in output


def test_second_run_only_reads(django_assert_max_num_queries) -> None:  # type: ignore[no-untyped-def]
    load_reference()

    with django_assert_max_num_queries(200):
        load_reference()


def test_rerun_brings_district_population_back_in_line_with_the_csv() -> None:
    load_reference()
    District.objects.filter(name="Арбат").update(population=1)

    load_reference()

    expected = next(int(r["population"]) for r in csv_rows() if r["district"] == "Арбат")
    assert District.objects.get(name="Арбат").population == expected


def test_rerun_keeps_what_administrators_changed_in_an_organisation() -> None:
    load_reference()
    Organisation.objects.filter(kind=Kind.CALL_CENTRE).update(working_hours="ежедневно 09:00–20:00")

    load_reference()

    assert Organisation.objects.get(kind=Kind.CALL_CENTRE).working_hours == "ежедневно 09:00–20:00"


def test_overwrite_resets_organisations_to_the_built_in_values() -> None:
    load_reference()
    Organisation.objects.filter(kind=Kind.CALL_CENTRE).update(working_hours="ежедневно 09:00–20:00")

    load_reference("--overwrite")

    assert Organisation.objects.get(kind=Kind.CALL_CENTRE).working_hours == "ежедневно 08:00–21:00"


def test_role_groups_exist() -> None:
    Group.objects.filter(name=Role.NAVIGATOR).delete()

    load_reference()

    assert set(Group.objects.values_list("name", flat=True)) >= set(Role.values)


def test_administrators_manage_reference_data_and_users_in_the_admin() -> None:
    load_reference()

    administrator = Group.objects.get(name=Role.ADMINISTRATOR)
    codenames = {f"{p.content_type.app_label}.{p.codename}" for p in administrator.permissions.all()}
    for model in ("okrug", "district", "programme", "organisation", "skill", "worker", "diagnosiscode"):
        for action in ("add", "change", "delete", "view"):
            assert f"directory.{action}_{model}" in codenames
    assert {"auth.view_user", "auth.add_user", "auth.change_user", "auth.view_group", "auth.change_group"} <= codenames
    assert "auth.delete_user" not in codenames
    assert not any(c.startswith("people.") for c in codenames)


def test_no_other_role_gets_model_permissions() -> None:
    load_reference()

    others = Permission.objects.filter(group__name__in=[r for r in Role.values if r != Role.ADMINISTRATOR])
    assert not others.exists()
