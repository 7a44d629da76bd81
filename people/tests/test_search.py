import datetime

import pytest

from people.selectors import find_duplicates, parse_query, search_people
from people.tests.factories import DistrictFactory, PersonFactory, PhoneFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("typed", ["8 (916) 123-45-67", "+7 916 123 45 67", "89161234567", "+7(916)123-45-67"])
def test_phone_in_any_common_format_finds_the_person(person, typed):
    query = parse_query(typed)
    assert query.phone == "+79161234567"
    assert search_people(query) == [person]


def test_snils_with_or_without_punctuation_finds_the_person():
    person = PersonFactory(snils="11223344595")
    assert search_people(parse_query("112-233-445 95")) == [person]
    assert search_people(parse_query("11223344595")) == [person]


def test_name_search_ignores_case_and_yo():
    person = PersonFactory(surname="Семёнова", given_name="Алёна", patronymic="Петровна")
    assert search_people(parse_query("семенова")) == [person]
    assert search_people(parse_query("СЕМЁНОВА АЛЕНА")) == [person]


def test_surname_prefix_with_initials_narrows_the_result():
    ivanova = PersonFactory(surname="Иванова", given_name="Мария", patronymic="Петровна")
    PersonFactory(surname="Иванова", given_name="Ольга", patronymic="Петровна")
    PersonFactory(surname="Иванова", given_name="Мария", patronymic="Сергеевна")
    assert search_people(parse_query("Иванова М.П.")) == [ivanova]
    assert search_people(parse_query("иван м. п.")) == [ivanova]


def test_exact_surname_ranks_before_longer_surnames_with_the_same_prefix():
    longer = PersonFactory(surname="Иванникова", given_name="Анна")
    exact = PersonFactory(surname="Иван", given_name="Яков")
    assert search_people(parse_query("Иван")) == [exact, longer]


def test_birth_date_alone_or_with_surname_finds_the_person():
    born = datetime.date(1939, 11, 2)
    person = PersonFactory(surname="Орлов", given_name="Пётр", birth_date=born)
    PersonFactory(surname="Орлов", given_name="Иван", birth_date=datetime.date(1950, 1, 1))
    assert search_people(parse_query("02.11.1939")) == [person]
    assert search_people(parse_query("Орлов 02.11.1939")) == [person]


def test_relatives_phone_finds_the_citizen_and_marks_it():
    from people.models import ContactPerson

    person = PersonFactory()
    ContactPerson.objects.create(person=person, full_name="Иванов Пётр", relation="child", phone="+79035550011")
    found = search_people(parse_query("8 903 555-00-11"))
    assert found == [person]
    assert found[0].matched_as_relative is True


def test_search_is_limited_to_the_base_queryset():
    district = DistrictFactory()
    inside = PersonFactory(surname="Кузнецов", district=district)
    PersonFactory(surname="Кузнецов")
    from people.models import Person

    assert search_people(parse_query("Кузнецов"), base=Person.objects.filter(district=district)) == [inside]


def test_empty_or_meaningless_query_returns_nothing():
    PersonFactory()
    assert search_people(parse_query("")) == []
    assert search_people(parse_query("...")) == []


def test_same_snils_is_a_duplicate():
    existing = PersonFactory(snils="11223344595")
    found = find_duplicates(surname="Другая", given_name="Фамилия", snils="11223344595")
    assert [(d.person, d.reason) for d in found] == [(existing, "snils")]


def test_same_phone_and_similar_name_is_a_possible_duplicate_but_a_stranger_is_not():
    existing = PersonFactory(surname="Иванова", given_name="Мария", patronymic="Петровна")
    PhoneFactory(person=existing, number="+79160000001")
    similar = find_duplicates(surname="Иванова", given_name="Мария", patronymic="Петровна", phones=["+79160000001"])
    assert [(d.person, d.reason) for d in similar] == [(existing, "phone")]
    # A spouse sharing the home phone is a different person.
    assert (
        find_duplicates(surname="Иванов", given_name="Николай", patronymic="Сергеевич", phones=["+79160000001"]) == []
    )


def test_same_birth_date_and_similar_name_is_a_possible_duplicate():
    existing = PersonFactory(surname="Сидорова", given_name="Анна", birth_date=datetime.date(1941, 5, 9))
    found = find_duplicates(surname="Сидорова", given_name="Ана", birth_date=datetime.date(1941, 5, 9))
    assert [d.person for d in found] == [existing]


def test_phone_search_respects_the_base_queryset_and_shows_district_and_primary_phone():
    from people.models import Person

    district = DistrictFactory(name="Бирюлёво Восточное")
    inside = PersonFactory(surname="Внутри", district=district)
    outside = PersonFactory(surname="Снаружи")
    PhoneFactory(person=inside, number="+79160000077", is_primary=False)
    PhoneFactory(person=inside, number="+79160000078", is_primary=True)
    PhoneFactory(person=outside, number="+79160000077")
    everyone = search_people(parse_query("8 916 000-00-77"))
    assert {p.pk for p in everyone} == {inside.pk, outside.pk}
    scoped = search_people(parse_query("8 916 000-00-77"), base=Person.objects.filter(district=district))
    assert scoped == [inside]
    assert scoped[0].district.name == "Бирюлёво Восточное"
    assert scoped[0].primary_phone == "+79160000078"
    assert scoped[0].matched_as_relative is False


def test_phone_search_in_an_empty_scope_finds_nobody_instead_of_failing(person):
    from people.models import Person

    assert search_people(parse_query("8 (916) 123-45-67"), base=Person.objects.filter(district_id__in=[])) == []
