import contextlib
import re
from collections import Counter
from io import StringIO
from typing import Any

import pytest
from django.contrib.auth.hashers import check_password
from django.contrib.auth.models import User
from django.core.management import call_command
from django.db import transaction
from django.db.models import Count, Sum
from django.utils import timezone

from cases.models import DocumentRestoration
from core.roles import Role
from core.validators import fold_name, normalise_oms, normalise_phone, normalise_snils
from demo.seed.users import DEMO_USERS
from directory.models import District, Organisation, Worker
from people.models import Consent, ContactPerson, IdentityDocument, Person, PersonPhone, Sex

pytestmark = pytest.mark.django_db

DEMO_USERNAMES = [d.username for d in DEMO_USERS]
ADDRESS = re.compile(r"^г\. Москва, ул\. [^,]+, д\. \d+, кв\. \d+$")


@pytest.fixture(autouse=True)
def _fast_password_hasher(settings: Any) -> None:
    # PBKDF2 is slow by design; the demo users' passwords work the same with any hasher.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def seed(*args: str, **options: Any) -> str:
    out = StringIO()
    options.setdefault("requests", 40)  # the city-wide history; the demo TCSO's queue comes on top
    call_command("seed_demo", *args, stdout=out, **options)
    return out.getvalue()


@pytest.fixture
def city() -> None:
    seed(people=300)


def ages() -> list[int]:
    return [p.age or 0 for p in Person.objects.only("birth_date")]


def test_demo_users_are_not_created_by_migrations() -> None:
    assert not User.objects.filter(username__in=DEMO_USERNAMES).exists()


def test_seeds_the_requested_number_of_people(city: None) -> None:
    assert Person.objects.count() == 300


def test_every_snils_and_oms_number_is_valid_and_unique(city: None) -> None:
    snils = list(Person.objects.values_list("snils", flat=True))
    assert all(s and normalise_snils(s) == s for s in snils)
    assert len(set(snils)) == 300
    oms = [n for n in Person.objects.values_list("oms_number", flat=True) if n]
    assert all(normalise_oms(n) == n for n in oms)
    assert 0.5 <= len(oms) / 300 <= 0.7


def test_every_phone_is_e164_and_belongs_to_one_person_only(city: None) -> None:
    numbers = list(PersonPhone.objects.values_list("number", flat=True))
    assert all(normalise_phone(n) == n for n in numbers)
    assert len(numbers) == len(set(numbers))
    per_person = Counter(PersonPhone.objects.values_list("person_id", flat=True))
    assert set(per_person.values()) <= {1, 2}
    assert len(per_person) == 300
    assert PersonPhone.objects.filter(is_primary=True).count() == 300
    assert PersonPhone.objects.filter(kind=PersonPhone.Kind.HOME).exists()


def test_most_people_are_65_or_older_and_all_are_adults(city: None) -> None:
    people_ages = ages()
    assert sum(age >= 65 for age in people_ages) / len(people_ages) >= 0.6
    assert min(people_ages) >= 18
    assert max(people_ages) <= 95


def test_names_match_sex_and_search_columns_are_filled(city: None) -> None:
    for person in Person.objects.all():
        ending = "на" if person.sex == Sex.FEMALE else "ич"
        assert person.patronymic.endswith(ending), person.full_name
        assert person.surname_folded == fold_name(person.surname)
        assert person.given_name_folded == fold_name(person.given_name)
        assert person.patronymic_folded == fold_name(person.patronymic)
    assert Person.objects.filter(sex=Sex.FEMALE).count() > Person.objects.filter(sex=Sex.MALE).count()


def test_people_live_at_a_moscow_address_in_a_district(city: None) -> None:
    for person in Person.objects.all():
        assert person.district_id is not None
        assert ADDRESS.match(person.address), person.address


def test_columns_the_seeder_does_not_set_get_the_model_defaults(city: None) -> None:
    person = Person.objects.first()
    assert person is not None
    assert person.version == 1
    assert person.preferred_language == "ru"
    assert person.created_at is not None
    assert person.created_by is not None
    assert person.created_by.username == "operator"


def test_consents_are_recorded_by_the_operator(city: None) -> None:
    consents = Consent.objects.filter(scope=Consent.Scope.PD_PROCESSING)
    assert consents.count() >= 0.8 * 300
    assert set(consents.values_list("recorded_by__username", flat=True)) == {"operator"}
    assert not Consent.objects.filter(withdrawn_at__isnull=False).exists()


def test_some_people_have_relatives_and_documents(city: None) -> None:
    contacts = ContactPerson.objects.all()
    assert 0.1 * 300 <= contacts.count() <= 0.3 * 300
    assert contacts.filter(may_contact=True).exists()
    assert contacts.filter(may_contact=False).exists()
    assert all(normalise_phone(c.phone) == c.phone for c in contacts)
    assert 0.04 * 300 <= IdentityDocument.objects.count() <= 0.16 * 300
    # The citizens' own documents; a lost one the demo cases add to restore has no date of issue yet.
    restored = DocumentRestoration.objects.values("document_id")
    for document in IdentityDocument.objects.exclude(pk__in=restored).select_related("person"):
        assert document.person.birth_date is not None
        assert document.issued_on is not None
        assert document.person.birth_date < document.issued_on


def test_running_again_does_not_add_anything(city: None) -> None:
    before = (Person.objects.count(), PersonPhone.objects.count(), Worker.objects.count(), User.objects.count())

    seed(people=300)

    assert (Person.objects.count(), PersonPhone.objects.count(), Worker.objects.count(), User.objects.count()) == before


def test_tops_people_up_to_the_requested_number(city: None) -> None:
    seed(people=450)

    assert Person.objects.count() == 450
    numbers = list(PersonPhone.objects.values_list("number", flat=True))
    assert len(numbers) == len(set(numbers))


def test_if_empty_leaves_a_populated_database_alone(city: None) -> None:
    output = seed("--if-empty", people=500)

    assert "Demo city already present: 300 citizens." in output
    assert "operator" in output  # the logins are printed on every start
    assert Person.objects.count() == 300


def test_if_empty_seeds_an_empty_database() -> None:
    seed("--if-empty", people=50)

    assert Person.objects.count() == 50


def test_each_demo_user_logs_in_with_the_demo_password_and_has_exactly_its_role(city: None) -> None:
    users = {u.username: u for u in User.objects.filter(username__in=DEMO_USERNAMES).prefetch_related("groups")}
    assert set(users) == set(DEMO_USERNAMES)
    for demo in DEMO_USERS:
        user = users[demo.username]
        assert check_password("opora-demo", user.password)
        assert not check_password("wrong-password", user.password)
        assert [g.name for g in user.groups.all()] == [demo.role.value]
        assert user.is_active
        assert user.first_name and user.last_name


def test_the_demo_city_has_a_telephony_service_account_without_a_password() -> None:
    output = seed(people=0)

    account = User.objects.get(username="telephony")
    assert [g.name for g in account.groups.all()] == [Role.TELEPHONY.value]
    assert not account.has_usable_password()
    assert not account.is_staff and not Worker.objects.filter(user=account).exists()
    assert account.has_perm("intake.post_call_events")
    assert not account.has_perm("intake.take_calls") and not account.has_perm("people.view_person")
    assert "manage.py create_api_token telephony" in output
    assert f"Demo users: {len(DEMO_USERS) + 1} added." in output
    assert "Demo users: 0 added." in seed(people=0)


def test_demo_password_comes_from_settings(settings: Any) -> None:
    settings.OPORA_DEMO_PASSWORD = "другой-пароль-2024"

    output = seed(people=0)

    operator = User.objects.get(username="operator")
    assert operator.check_password("другой-пароль-2024")
    assert "другой-пароль-2024" in output


def test_admin_is_staff_but_not_superuser(city: None) -> None:
    admin = User.objects.get(username="admin")
    assert admin.is_staff
    assert not admin.is_superuser
    assert admin.has_perm("directory.change_organisation")
    assert not User.objects.filter(username__in=DEMO_USERNAMES, is_superuser=True).exists()
    assert not User.objects.get(username="operator").is_staff


def test_demo_users_work_where_their_role_belongs(city: None) -> None:
    demo_workers = Worker.objects.filter(user__username__in=DEMO_USERNAMES).select_related("user", "organisation")
    workers = {w.user.username: w for w in demo_workers}  # type: ignore[union-attr]
    home = Organisation.objects.get(kind=Organisation.Kind.TCSO, districts__name="Бирюлёво Восточное")

    assert workers["admin"].organisation is None
    assert workers["operator"].organisation == workers["supervisor"].organisation
    assert workers["operator"].organisation.kind == Organisation.Kind.CALL_CENTRE  # type: ignore[union-attr]
    for username in ("dispatcher", "worker", "volunteer"):
        assert workers[username].organisation == home
    assert set(workers["worker"].districts.all()) == set(home.districts.all())
    assert set(workers["volunteer"].districts.all()) == set(home.districts.all())
    assert workers["worker"].skills.exists()
    assert workers["volunteer"].kind == Worker.Kind.VOLUNTEER
    assert workers["worker"].kind == Worker.Kind.STAFF
    assert workers["coordinator"].organisation.kind == Organisation.Kind.HOSPITAL  # type: ignore[union-attr]
    # The hospital's psychologist, beside its coordinator: she takes the crises the coordinator marks.
    assert workers["psychologist"].organisation == workers["coordinator"].organisation
    assert workers["navigator"].organisation.kind == Organisation.Kind.ONCOLOGY_CENTRE  # type: ignore[union-attr]


def test_every_tcso_has_six_social_workers_and_two_volunteers_serving_its_districts(city: None) -> None:
    tcsos = Organisation.objects.filter(kind=Organisation.Kind.TCSO).prefetch_related("districts")
    for tcso in tcsos:
        field_staff = Worker.objects.filter(organisation=tcso, user__username__regex=r"^(sw|vol)-")
        kinds = Counter(field_staff.values_list("kind", flat=True))
        assert kinds == {Worker.Kind.STAFF: 6, Worker.Kind.VOLUNTEER: 2}
        for worker in field_staff.select_related("user").prefetch_related("districts", "skills", "user__groups"):
            assert set(worker.districts.all()) == set(tcso.districts.all())
            assert 1 <= worker.skills.count() <= 3
            assert normalise_phone(worker.public_phone) == worker.public_phone
            assert not worker.user.has_usable_password()  # type: ignore[union-attr]
            role = Role.VOLUNTEER if worker.kind == Worker.Kind.VOLUNTEER else Role.SOCIAL_WORKER
            assert [g.name for g in worker.user.groups.all()] == [role.value]  # type: ignore[union-attr]


def test_people_are_spread_over_districts_by_population() -> None:
    seed(people=3000)

    total_population = District.objects.aggregate(total=Sum("population"))["total"]
    people = dict(Person.objects.values_list("district__okrug__code").annotate(n=Count("pk")))
    population = dict(District.objects.values_list("okrug__code").annotate(n=Sum("population")))
    for okrug, inhabitants in population.items():
        assert abs(people.get(okrug, 0) / 3000 - inhabitants / total_population) < 0.03, okrug


def test_vulnerability_flags_have_realistic_shares() -> None:
    seed(people=3000)

    seniors = [p for p in Person.objects.all() if p.is_senior]
    chronic = sum(p.chronic_illness for p in seniors) / len(seniors)
    assert 0.33 <= chronic <= 0.47
    assert 0.24 <= Person.objects.filter(lives_alone=True).count() / 3000 <= 0.36
    assert 0.06 <= Person.objects.exclude(disability_group="").count() / 3000 <= 0.14


class _Rollback(Exception):
    """Raised to roll back a seeding inside a test once its data has been read."""


def _snapshot_of_a_fresh_city(seed_value: int) -> dict[str, list[tuple[Any, ...]]]:
    """Seed inside a transaction that is rolled back, so every call starts from the same database."""
    snapshot: dict[str, list[tuple[Any, ...]]] = {}
    # Seed, snapshot, then undo, so the next seed starts from the same database.
    with contextlib.suppress(_Rollback), transaction.atomic():
        seed(people=200, seed=seed_value)
        # Natural keys only: PostgreSQL sequences do not roll back, so ids differ between calls.
        snapshot["people"] = list(
                Person.objects.order_by("snils").values_list(
                    "surname", "given_name", "patronymic", "birth_date", "sex", "address", "district__name",
                    "snils", "oms_number", "disability_group", "chronic_illness", "lives_alone",
                )
            )  # fmt: skip
        snapshot["phones"] = list(PersonPhone.objects.order_by("number").values_list("person__snils", "number", "kind"))
        snapshot["contacts"] = list(
            ContactPerson.objects.order_by("phone").values_list("person__snils", "full_name", "relation")
        )
        snapshot["workers"] = list(
            Worker.objects.order_by("user__username").values_list(
                "user__username", "surname", "given_name", "public_phone"
            )
        )
        raise _Rollback
    return snapshot


def test_the_same_seed_gives_the_same_city() -> None:
    call_command("load_reference", stdout=StringIO())  # organisation ids appear in usernames

    first = _snapshot_of_a_fresh_city(7)
    second = _snapshot_of_a_fresh_city(7)

    assert len(first["people"]) == 200
    assert first == second


def test_another_seed_gives_another_city() -> None:
    call_command("load_reference", stdout=StringIO())

    first = _snapshot_of_a_fresh_city(7)
    other = _snapshot_of_a_fresh_city(8)

    assert {p[7] for p in first["people"]}.isdisjoint({p[7] for p in other["people"]})


def test_demo_requests_fill_the_home_queue_and_follow_the_rules(city: None) -> None:
    from assistance import workflow
    from assistance.models import Assignment, HelpRequest, Transition
    from audit.services import verify_chain

    requests = HelpRequest.objects.select_related("person", "tcso")
    assert requests.count() > 30
    for help_request in requests:
        assert help_request.tcso.districts.filter(pk=help_request.person.district_id).exists()
    for before, after in Transition.objects.exclude(from_status="").values_list("from_status", "to_status"):
        assert workflow.allowed(before, after)
    home_open = requests.filter(tcso__workers__user__username="dispatcher", status__in=workflow.OPEN)
    assert home_open.count() >= 3  # 300 citizens leave only a handful in the demo TCSO's districts
    assert Assignment.objects.filter(outcome="", worker__user__username__in=["worker", "volunteer"]).exists()
    closed = requests.filter(status__in=workflow.CLOSED)
    assert 0.75 < closed.filter(status="done").count() / closed.count() < 0.98
    assert verify_chain().ok
    before = requests.count()
    seed(people=300)
    assert HelpRequest.objects.count() == before


@pytest.mark.parametrize("clock", ["08:10", "13:30", "23:40"])
def test_a_task_begun_or_brought_back_had_its_window_begin_first(town: Any, clock: str) -> None:
    """A demo task the worker is doing, or came back from undone, has a day-time window that has begun, was
    taken before it and moved in order: never «not done — nobody opened» at 08:37 for a visit due the day
    after, whatever the hour the demo is seeded."""
    import datetime
    import random
    import zoneinfo

    import time_machine

    from assistance.models import Status
    from assistance.services import RequestInput, create_request
    from core.actor import Actor
    from demo.seed.requests import _begun_window_start, _settle_begun

    hour, minute = map(int, clock.split(":"))
    now = datetime.datetime(2026, 12, 7, hour, minute, tzinfo=zoneinfo.ZoneInfo("Europe/Moscow"))
    rng = random.Random(7)
    with time_machine.travel(now, tick=False):
        for target in [Status.IN_PROGRESS, Status.RETURNED] * 10:  # the random hours cover each case
            start = _begun_window_start(rng)
            assert start < now and 9 <= start.astimezone(now.tzinfo).hour <= 17
            data = RequestInput(
                service_type=town.service, window_start=start, window_end=start + datetime.timedelta(hours=3)
            )
            help_request = create_request(person=town.person, data=data, actor=Actor(town.operator))
            town.walk(help_request, Status.ACCEPTED, Status.ASSIGNED, Status.IN_PROGRESS)
            if target == Status.RETURNED:
                town.walk(help_request, Status.RETURNED)
            _settle_begun(help_request, rng)
            help_request.refresh_from_db()
            moments = list(help_request.transitions.order_by("pk").values_list("at", flat=True))
            assert moments == sorted(moments) and moments[0] == help_request.created_at < start
            assert 8 <= timezone.localtime(help_request.created_at).hour < 21  # while the call centre works
            for step in help_request.transitions.filter(to_status__in=[Status.ACCEPTED, Status.ASSIGNED]):
                assert 8 <= timezone.localtime(step.at).hour < 21  # in the TCSO's day
            assert moments[-1] <= now and help_request.status_changed_at == moments[-1]
            assert help_request.transitions.get(to_status=Status.IN_PROGRESS).at >= start
