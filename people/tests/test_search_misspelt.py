"""Issue 15 §1 and §2: a misspelt surname still finds the citizen, results page beyond 50 with an
address, a request number finds the request, and a dispatcher learns that a citizen of another TCSO's
districts is registered there instead of "nobody registered"."""

import datetime

import pytest
from django.db import connection
from django.urls import reverse

from assistance import search as request_search
from people.models import Person, Surname
from people.selectors import (
    MAX_RESULTS,
    find_by_number,
    find_people,
    parse_query,
    search_people,
    similar_surnames,
    trigram_similarity,
)
from people.tests.factories import DistrictFactory, OrganisationFactory, PersonFactory, PhoneFactory

pytestmark = pytest.mark.django_db


def names(found):
    return [p.surname for p in found]


@pytest.mark.parametrize(
    ("typed", "meant"),
    [
        ("Иваноф", "Иванов"),  # heard over the phone
        ("Кузнецва", "Кузнецова"),  # a missing vowel
        ("Кузецова", "Кузнецова"),  # a missing consonant
        ("Сименова", "Семёнова"),  # ё written е, and a wrong vowel
        ("Смирнва Ольга", "Смирнова"),  # misspelt surname, exact given name
    ],
)
def test_a_misspelt_surname_still_finds_the_citizen(typed, meant):
    PersonFactory(surname=meant, given_name="Ольга")
    PersonFactory(surname="Петрова", given_name="Ольга")
    assert names(search_people(parse_query(typed))) == [meant]


def test_exact_and_prefix_matches_come_before_similar_surnames_most_similar_first():
    ivanov = PersonFactory(surname="Иванов", given_name="Пётр")
    ivanova = PersonFactory(surname="Иванова", given_name="Анна")
    ivanovskaya = PersonFactory(surname="Ивановская", given_name="Анна")
    PersonFactory(surname="Сидорова", given_name="Анна")
    similarity = [trigram_similarity("иваноф", p.surname_folded) for p in (ivanov, ivanova, ivanovskaya)]
    assert similarity == sorted(similarity, reverse=True) and similarity[-1] >= 0.3
    assert search_people(parse_query("Иваноф")) == [ivanov, ivanova, ivanovskaya]
    # Typed «Иванов»: the exact surname, then the longer ones starting with it, then the similar ones.
    ivan = PersonFactory(surname="Иван", given_name="Яков")
    assert search_people(parse_query("Иванов")) == [ivanov, ivanova, ivanovskaya, ivan]


def test_the_given_name_narrows_the_similar_surnames_too():
    maria = PersonFactory(surname="Кузнецова", given_name="Мария")
    PersonFactory(surname="Кузнецова", given_name="Ольга")
    assert search_people(parse_query("Кузнецва М.")) == [maria]


def test_a_surname_of_two_letters_is_not_looked_up_as_misspelt():
    PersonFactory(surname="Ли", given_name="Анна")
    assert similar_surnames("Лю") == []


def test_trigram_similarity_is_pg_trgms():
    # pg_trgm: «иваноф» and «иванов» share 5 of their 9 distinct trigrams.
    assert trigram_similarity("иваноф", "иванов") == pytest.approx(5 / 9)
    assert trigram_similarity("кузнецва", "кузнецова") == pytest.approx(7 / 12)
    if connection.vendor == "postgresql":
        pairs = [("иваноф", "иванов"), ("кузнецва", "кузнецова"), ("петров-водкин", "петров"), ("ли", "лю")]
        with connection.cursor() as cursor:
            for a, b in pairs:
                cursor.execute("SELECT similarity(%s, %s)", [a, b])
                assert trigram_similarity(a, b) == pytest.approx(cursor.fetchone()[0], abs=1e-6)


def test_the_surname_dictionary_is_kept_by_the_database_for_every_way_of_writing_people():
    PersonFactory(surname="Орлова")
    Person.objects.bulk_create(
        [Person(surname="Соколов", given_name="Иван", surname_folded="соколов", given_name_folded="иван")]
    )
    changed = PersonFactory(surname="Белова")
    changed.surname = "Белоусова"
    changed.save()
    Person.objects.filter(pk=changed.pk).update(surname_folded="беляева")
    assert {"орлова", "соколов", "белова", "белоусова", "беляева"} <= set(
        Surname.objects.values_list("folded", flat=True)
    )
    assert search_people(parse_query("Саколов")) != []


def test_results_page_beyond_fifty_in_the_same_order():
    for n in range(MAX_RESULTS + 20):
        PersonFactory(surname="Морозова", given_name=f"Анна{n:03d}")
    PersonFactory(surname="Морозов", given_name="Пётр")  # similar: after every exact match
    everyone = search_people(parse_query("Морозова"), limit=200)
    first = search_people(parse_query("Морозова"), limit=MAX_RESULTS)
    second = search_people(parse_query("Морозова"), limit=MAX_RESULTS, offset=MAX_RESULTS)
    assert len(everyone) == MAX_RESULTS + 21
    assert first + second == everyone
    assert second[-1].surname == "Морозов"
    assert [p.given_name for p in everyone[:3]] == ["Анна000", "Анна001", "Анна002"]


def test_the_search_page_pages_beyond_fifty_and_shows_the_address(client, make_user):
    for n in range(MAX_RESULTS + 5):
        PersonFactory(surname="Морозова", given_name=f"Анна{n:03d}", address=f"ул. Лесная, д. {n}")
    client.force_login(make_user("operator"))
    url = reverse("people:list")
    first = client.get(url, {"q": "Морозова"}).content.decode()
    assert "ул. Лесная, д. 0<" in first and "Анна049" in first and "Анна050" not in first
    assert "page=2" in first
    second = client.get(url, {"q": "Морозова", "page": 2}).content.decode()
    assert "Анна050" in second and "Анна054" in second and "Анна049" not in second
    assert "page=1" in second and "page=3" not in second


def test_a_misspelt_surname_finds_only_people_whose_cards_the_searcher_may_open(make_user):
    PersonFactory(surname="Кузнецова", given_name="Мария")
    coordinator = make_user("coordinator")
    # At search level a citizen is found only by the surname typed in full.
    assert find_people(coordinator, parse_query("Кузнецва Мария")) == []
    assert [r.card for r in find_people(coordinator, parse_query("Кузнецова Мария"))] == [False]


@pytest.mark.parametrize("typed", ["№ 328", "№328", "#328", "328", "N 328"])
def test_a_request_number_is_read_as_one(typed):
    query = parse_query(typed)
    assert query.request_number == 328
    assert query.kind == "request_number"
    assert search_people(query) == []


def test_phones_and_snils_are_not_read_as_request_numbers():
    assert parse_query("8 916 123-45-67").request_number is None
    assert parse_query("89161234567").request_number is None
    assert parse_query("11223344595").request_number is None


@pytest.fixture
def request_lookup():
    request_search.register()


def test_a_request_number_finds_the_request_for_whoever_may_open_it(town, client, request_lookup):
    help_request = town.new_request()
    hit = find_by_number(town.operator, help_request.pk)
    assert [h.url for h in hit] == [reverse("assistance:request", args=[help_request.pk])]
    assert find_by_number(town.dispatcher, help_request.pk) != []
    assert find_by_number(town.other_dispatcher, help_request.pk) == []
    assert find_by_number(town.operator, help_request.pk + 1000) == []
    client.force_login(town.operator)
    page = client.get(reverse("people:list"), {"q": f"№ {help_request.pk}"}).content.decode()
    assert reverse("assistance:request", args=[help_request.pk]) in page
    client.force_login(town.other_dispatcher)
    page = client.get(reverse("people:list"), {"q": f"№ {help_request.pk}"}).content.decode()
    assert reverse("assistance:request", args=[help_request.pk]) not in page


def test_a_dispatcher_is_told_which_tcso_serves_a_citizen_of_another_district(town, client):
    PhoneFactory(person=town.person, number="+79165550101")
    town.person.birth_date = datetime.date(1940, 3, 2)
    town.person.save()
    # The town's citizen lives in «Бирюлёво Восточное»: the other TCSO's dispatcher does not serve it.
    for typed in ("8 916 555-01-01", f"{town.person.surname} {town.person.given_name}"):
        found = find_people(town.other_dispatcher, parse_query(typed))
        assert [(r.pk, r.card, r.elsewhere, r.served_by) for r in found] == [
            (town.person.pk, False, True, ("ТЦСО «Бирюлёво»",))
        ]
        assert found[0].primary_phone is None and found[0].address == "" and found[0].version is None
    # Its own dispatcher opens the card as before.
    own = find_people(town.dispatcher, parse_query("8 916 555-01-01"))
    assert [(r.pk, r.card, r.elsewhere) for r in own] == [(town.person.pk, True, False)]
    client.force_login(town.other_dispatcher)
    page = client.get(reverse("people:list"), {"q": "8 916 555-01-01"}).content.decode()
    assert 'data-testid="served-elsewhere"' in page
    assert "ТЦСО «Бирюлёво»" in page
    assert "No citizen found" not in page and reverse("people:detail", args=[town.person.pk]) not in page


def test_a_dispatcher_is_not_shown_other_tcsos_citizens_by_a_surname_prefix(town):
    assert find_people(town.other_dispatcher, parse_query(town.person.surname[:4])) == []
    assert find_people(town.other_dispatcher, parse_query(town.person.surname)) == []


def test_a_district_no_tcso_serves_is_said_so(town):
    orphan = PersonFactory(surname="Гусева", given_name="Нина", district=DistrictFactory(name="Новый"))
    OrganisationFactory(name="Неактивный", is_active=False).districts.add(orphan.district)
    found = find_people(town.dispatcher, parse_query("Гусева Нина"))
    assert [(r.pk, r.elsewhere, r.served_by) for r in found] == [(orphan.pk, True, ())]
