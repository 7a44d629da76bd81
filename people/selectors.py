"""Read queries on the registry: the search (and what of each result a user sees), the duplicate check,
and the people a user may open."""

import dataclasses
import datetime
import difflib
import re
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import Case, IntegerField, OuterRef, Q, QuerySet, Subquery, Value, When
from django.http import Http404

from core.permissions import citywide_person_roles, require, search_level_person_roles, served_district_ids
from core.validators import MAX_ID, digits, fold_name, normalise_snils, try_normalise_phone
from directory.models import District
from people.inputs import PersonInput
from people.models import ContactPerson, Person, PersonPhone
from people.relations import related_filter
from people.rules import district_dispatcher

MAX_RESULTS = 50
_DATE = re.compile(r"^(\d{1,2})[./-](\d{1,2})[./-](\d{4})$")
_ISO_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
_NAME_TOKEN = re.compile(r"[^\w\-]+")


@dataclass
class SearchQuery:
    """What an operator typed, understood: phone, SNILS, birth date and/or name parts."""

    raw: str
    phone: str | None = None
    snils: str | None = None
    birth_date: datetime.date | None = None
    name_tokens: tuple[str, ...] = ()

    @property
    def kind(self) -> str:
        parts = [k for k in ("phone", "snils", "birth_date") if getattr(self, k)]
        if self.name_tokens:
            parts.append("name")
        return "+".join(parts) or "empty"

    @property
    def is_empty(self) -> bool:
        return not (self.phone or self.snils or self.birth_date or self.name_tokens)


def parse_date(text: str) -> datetime.date | None:
    match = _DATE.match(text) or _ISO_DATE.match(text)
    if not match:
        return None
    a, b, c = (int(g) for g in match.groups())
    try:
        return datetime.date(c, b, a) if _DATE.match(text) else datetime.date(a, b, c)
    except ValueError:
        return None


def parse_query(raw: str) -> SearchQuery:
    """Understand a search box: ``8 (916) 123-45-67``, ``112-233-445 95``, ``Иванов И.И. 01.02.1940``."""
    query = SearchQuery(raw=raw)
    text = (raw or "").strip()
    if not text:
        return query
    # A string made only of digits and phone punctuation is a phone or a SNILS.
    if re.fullmatch(r"[\d\s()+\-.]+", text) and not parse_date(text):
        number = digits(text)
        if len(number) == 11 and not text.lstrip().startswith(("+", "8", "7")):
            try:
                query.snils = normalise_snils(number)
            except Exception:
                query.snils = None
        if not query.snils:
            query.phone = try_normalise_phone(text)
            if query.phone is None and len(number) == 11:
                try:
                    query.snils = normalise_snils(number)
                except Exception:
                    query.snils = None
        return query
    tokens: list[str] = []
    for word in text.split():
        date = parse_date(word)
        if date:
            query.birth_date = date
            continue
        # "И.И." and "И. И." are initials; split them into single letters.
        pieces = [p for p in re.split(r"[.\s]+", word) if p]
        for piece in pieces:
            cleaned = _NAME_TOKEN.sub("", fold_name(piece))
            if cleaned:
                tokens.append(cleaned)
    query.name_tokens = tuple(tokens)
    return query


def _prefix(field: str, prefix: str) -> Q:
    """``field`` starts with ``prefix``, written so both databases use the index.

    PostgreSQL uses the varchar_pattern_ops index for LIKE 'x%'; SQLite's LIKE is case-insensitive
    only for ASCII and skips the index, so there we scan a key range instead (binary collation).
    """
    if connection.vendor == "postgresql":
        return Q(**{f"{field}__startswith": prefix})
    return Q(**{f"{field}__gte": prefix, f"{field}__lt": prefix + "\U0010ffff"})


def _name_filter(tokens: tuple[str, ...]) -> tuple[Q, Any]:
    surname = tokens[0]
    condition = _prefix("surname_folded", surname)
    if len(tokens) > 1:
        condition &= _prefix("given_name_folded", tokens[1])
    if len(tokens) > 2:
        condition &= _prefix("patronymic_folded", tokens[2])
    rank = Case(When(surname_folded=surname, then=Value(0)), default=Value(1), output_field=IntegerField())
    return condition, rank


def _primary_phone() -> Subquery:
    """The number shown next to a search result: the primary phone, else the first one recorded."""
    phones = PersonPhone.objects.filter(person=OuterRef("pk")).order_by("-is_primary", "id")
    return Subquery(phones.values("number")[:1])


def _phone_sql(scope_sql: str) -> str:
    """The caller-ID look-up as one statement: phone owners first, then people whose relative has it."""
    person = Person._meta.db_table
    district = District._meta.db_table
    district_columns = ", ".join(f"d.{f.column} AS district__{f.attname}" for f in District._meta.concrete_fields)
    # Only table and column names from the models are formatted in; every value is a bound parameter.
    return f"""
        SELECT p.*, m.relative AS matched_as_relative, {district_columns},
               (SELECT ph.number FROM {PersonPhone._meta.db_table} ph WHERE ph.person_id = p.id
                ORDER BY ph.is_primary DESC, ph.id LIMIT 1) AS primary_phone
        FROM (SELECT person_id, MIN(relative) AS relative FROM (
                SELECT person_id, 0 AS relative FROM {PersonPhone._meta.db_table} WHERE number = %s
                UNION ALL
                SELECT person_id, 1 AS relative FROM {ContactPerson._meta.db_table} WHERE phone = %s
              ) matches GROUP BY person_id) m
        JOIN {person} p ON p.id = m.person_id
        LEFT JOIN {district} d ON d.id = p.district_id
        WHERE 1 = 1 {scope_sql}
        ORDER BY m.relative, p.surname_folded, p.given_name_folded, p.id
        LIMIT %s"""  # noqa: S608


def _search_by_phone(phone: str, base: QuerySet[Person] | None, limit: int) -> list[Person]:
    """Caller-ID look-up, the hot path of every incoming call: one hand-written statement.

    The ORM spelling of the same query spent ~3 ms of a 4 ms median compiling SQL (bench/run.py on
    PostgreSQL); this one costs a round trip. ``base`` narrows it like the other searches.
    """
    scope_sql, scope_params = "", ()
    if base is not None and base.query.has_filters():
        try:
            subquery, scope_params = base.values("pk").query.sql_with_params()
        except EmptyResultSet:  # e.g. a dispatcher whose TCSO serves no district yet
            return []
        scope_sql = f"AND p.id IN ({subquery})"
    found = list(Person.objects.raw(_phone_sql(scope_sql), [phone, phone, *scope_params, limit]))
    district_fields = [f.attname for f in District._meta.concrete_fields]
    for person in found:
        if person.district_id is not None:
            values = [getattr(person, f"district__{name}") for name in district_fields]
            person.district = District.from_db("default", district_fields, values)
        person.matched_as_relative = bool(person.matched_as_relative)  # type: ignore[attr-defined]
    return found


def search_people(query: SearchQuery, base: QuerySet[Person] | None = None, limit: int = MAX_RESULTS) -> list[Person]:
    """People matching ``query``, best match first, each with ``primary_phone``; one query.

    Phone matches come first (the caller's own phone before a relative's: ``matched_as_relative``),
    then exact SNILS, then name matches ranked exact surname before surname prefix, narrowed by birth
    date when one is given.
    """
    if query.is_empty:
        return []
    people = (
        (base if base is not None else Person.objects.all())
        .select_related("district")
        .annotate(primary_phone=_primary_phone())
    )
    if query.phone:
        return _search_by_phone(query.phone, base, limit)
    if query.snils:
        return list(people.filter(snils=query.snils)[:limit])
    qs = people
    order: list[Any] = []
    if query.name_tokens:
        condition, rank = _name_filter(query.name_tokens)
        qs = qs.filter(condition).annotate(rank=rank)
        order.append("rank")
    if query.birth_date:
        qs = qs.filter(birth_date=query.birth_date)
    order += ["surname_folded", "given_name_folded", "patronymic_folded", "birth_date", "pk"]
    return list(qs.order_by(*order)[:limit])


@dataclass
class DuplicateCandidate:
    person: Person
    reason: str


def _ratio(a: str, b: str) -> float:
    return difflib.SequenceMatcher(None, fold_name(a), fold_name(b)).ratio()


def similar_names(person: Person, surname: str, given_name: str, patronymic: str = "") -> bool:
    """Same person by name, allowing a typo: similar surname and given name, and patronymic if both have one."""
    if _ratio(person.surname, surname) < 0.8 or _ratio(person.given_name, given_name) < 0.75:
        return False
    return not (person.patronymic and patronymic) or _ratio(person.patronymic, patronymic) >= 0.75


def find_duplicates(
    *,
    surname: str,
    given_name: str,
    patronymic: str = "",
    birth_date: datetime.date | None = None,
    snils: str | None = None,
    phones: list[str] | None = None,
    exclude_pk: int | None = None,
) -> list[DuplicateCandidate]:
    """People who look like the one about to be saved.

    Same SNILS is the same person. Otherwise a shared phone with a similar name, or the same birth date
    with a similar name, is reported for the user to decide.
    """
    found: dict[int, DuplicateCandidate] = {}
    base = Person.objects.exclude(pk=exclude_pk) if exclude_pk else Person.objects.all()
    if snils:
        for person in base.filter(snils=snils):
            found[person.pk] = DuplicateCandidate(person, "snils")
    if phones:
        for person in base.filter(phones__number__in=phones).distinct()[:20]:
            if person.pk not in found and similar_names(person, surname, given_name, patronymic):
                found[person.pk] = DuplicateCandidate(person, "phone")
    if birth_date and surname:
        folded = fold_name(surname)
        for person in base.filter(birth_date=birth_date).filter(_prefix("surname_folded", folded[:3]))[:20]:
            if person.pk not in found and similar_names(person, surname, given_name, patronymic):
                found[person.pk] = DuplicateCandidate(person, "birth_date")
    return list(found.values())


def duplicates_for(data: PersonInput, exclude_pk: int | None = None) -> list[DuplicateCandidate]:
    """:func:`find_duplicates` for the input of a create or update service."""
    return find_duplicates(
        surname=data.surname,
        given_name=data.given_name,
        patronymic=data.patronymic,
        birth_date=data.birth_date,
        snils=data.snils,
        phones=[p.number for p in data.phones],
        exclude_pk=exclude_pk,
    )


def visible_people(user: Any) -> QuerySet[Person]:
    """The people whose cards ``user`` may open: everyone for operators and supervisors, a dispatcher's
    districts, and the people the registered relations give the user (``people.relations``).

    The ``people.view_person`` rule (people/rules.py) as a query, so lists never offer a card that
    would then be refused.
    """
    if citywide_person_roles.test(user):
        return Person.objects.all()
    condition = related_filter(user)
    if district_dispatcher.test(user):
        districts = Q(district_id__in=served_district_ids(user))
        condition = districts if condition is None else districts | condition
    if condition is None:
        return Person.objects.none()
    return Person.objects.filter(condition)


@dataclass(frozen=True)
class FoundPerson:
    """One search result as the searcher may see it.

    ``card``: the searcher may open the citizen's card, and the row carries the version, the primary
    phone and whether a relative's phone matched. A row at search level (``card`` False) carries the
    name, birth date and district only: it is built without the rest, so that no page or answer can
    show more by mistake.
    """

    pk: int
    surname: str
    given_name: str
    patronymic: str
    birth_date: datetime.date | None
    age: int | None
    district: District | None
    card: bool
    version: int | None = None
    primary_phone: str | None = None
    matched_as_relative: bool = False

    @property
    def full_name(self) -> str:
        return " ".join(p for p in (self.surname, self.given_name, self.patronymic) if p)

    @classmethod
    def of(cls, person: Person, *, card: bool) -> "FoundPerson":
        shown = cls(
            pk=person.pk,
            surname=person.surname,
            given_name=person.given_name,
            patronymic=person.patronymic,
            birth_date=person.birth_date,
            age=person.age,
            district=person.district,
            card=card,
        )
        if not card:
            return shown
        return dataclasses.replace(
            shown,
            version=person.version,
            primary_phone=getattr(person, "primary_phone", None),
            matched_as_relative=bool(getattr(person, "matched_as_relative", False)),
        )


def searches_at_search_level(user: Any) -> bool:
    """``user`` finds, besides the people whose cards they may open, any citizen at search level."""
    return search_level_person_roles.test(user) and not citywide_person_roles.test(user)


def qualifies_for_search_level(query: SearchQuery) -> bool:
    """A query that may answer beyond the searcher's own people: a surname and a given name or a birth
    date. A phone or a SNILS never finds a citizen at search level: it would tell whose they are."""
    if query.phone or query.snils or not query.name_tokens:
        return False
    return len(query.name_tokens) > 1 or query.birth_date is not None


def find_people(user: Any, query: SearchQuery, limit: int = MAX_RESULTS) -> list[FoundPerson]:
    """What the search shows ``user``, best match first: full rows of the people whose cards they may
    open, and, for the roles that search at search level (``searches_at_search_level``), rows of name,
    birth date and district of other citizens whose surname is the one typed in full, with a given name
    or a birth date (``qualifies_for_search_level``). The search page and the API show this; the
    screen pop's caller-ID look-up is a phone search, which finds only ``visible_people``, as this does.
    """
    visible = visible_people(user)
    if not (searches_at_search_level(user) and qualifies_for_search_level(query)):
        return [FoundPerson.of(p, card=True) for p in search_people(query, base=visible, limit=limit)]
    surname = query.name_tokens[0]
    base = Person.objects.filter(Q(surname_folded=surname) | Q(pk__in=visible.values("pk")))
    found = search_people(query, base=base, limit=limit)
    cards = set(visible.filter(pk__in=[p.pk for p in found]).values_list("pk", flat=True))
    return [FoundPerson.of(p, card=p.pk in cards) for p in found]


def get_visible_person(user: Any, pk: int, *, perm: str = "people.view_person", queryset: Any = None) -> Person:
    """Load a citizen's record for ``user``, or answer 404 — the same for a record that does not exist
    and for one the user may not see, so that ids reveal nothing.

    A role that may never see citizens' records gets 403 first (PermissionDenied), before any look-up.
    """
    require(user, perm)
    base = queryset if queryset is not None else Person.objects.select_related("district__okrug", "created_by")
    person = base.filter(pk=pk).first() if 0 < pk <= MAX_ID else None
    if person is None or not user.has_perm(perm, person):
        raise Http404
    return person
