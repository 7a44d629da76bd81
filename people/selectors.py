"""Read queries on the registry: the search (and what of each result a user sees), the duplicate check,
and the people a user may open."""

import dataclasses
import datetime
import difflib
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import Case, Count, IntegerField, OuterRef, Q, QuerySet, Subquery, Value, When
from django.http import Http404

from core.permissions import (
    citywide_person_roles,
    is_dispatcher,
    require,
    search_level_person_roles,
    served_district_ids,
)
from core.validators import MAX_ID, digits, fold_name, normalise_snils, try_normalise_phone
from directory.models import District, Organisation
from people.inputs import PersonInput
from people.models import ContactPerson, Person, PersonPhone, Surname
from people.relations import related_filter
from people.rules import district_dispatcher

MAX_RESULTS = 50
_DATE = re.compile(r"^(\d{1,2})[./-](\d{1,2})[./-](\d{4})$")
_ISO_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
_NAME_TOKEN = re.compile(r"[^\w\-]+")
# A request number: "№ 328", "#328", "N328" or the bare digits (too short to be a phone or a SNILS).
_REQUEST_NUMBER = re.compile(r"^(?:№|#|n|N)?\s*(\d{1,9})$")
# pg_trgm's default similarity threshold (pg_trgm.similarity_threshold), used on both databases.
MIN_SIMILARITY = 0.3
# How many similar surnames a misspelt one is looked up as, most similar first.
MAX_SIMILAR_SURNAMES = 12


@dataclass
class SearchQuery:
    """What an operator typed, understood: phone, SNILS, birth date and/or name parts."""

    raw: str
    phone: str | None = None
    snils: str | None = None
    birth_date: datetime.date | None = None
    name_tokens: tuple[str, ...] = ()
    request_number: int | None = None

    @property
    def kind(self) -> str:
        parts = [k for k in ("phone", "snils", "birth_date", "request_number") if getattr(self, k)]
        if self.name_tokens:
            parts.append("name")
        return "+".join(parts) or "empty"

    @property
    def is_empty(self) -> bool:
        """Nothing to find citizens by (a request number alone is for the search page's number look-up)."""
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
    """Understand a search box: ``8 (916) 123-45-67``, ``112-233-445 95``, ``Иванов И.И. 01.02.1940``,
    ``№ 328`` (a help request's number; bare digits too short for a phone or a SNILS are one as well)."""
    query = SearchQuery(raw=raw)
    text = (raw or "").strip()
    if not text:
        return query
    numbered = _REQUEST_NUMBER.match(text)
    if numbered and (not text[0].isdigit() or try_normalise_phone(text) is None):
        query.request_number = int(numbered[1]) or None
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


def trigrams(text: str) -> set[str]:
    """The trigrams ``pg_trgm`` makes of ``text``: each word (letters and digits) lower-cased and padded
    with two spaces before and one after, cut into every run of three characters."""
    found: set[str] = set()
    for word in re.findall(r"[^\W_]+", text.lower()):
        padded = f"  {word} "
        found.update(padded[i : i + 3] for i in range(len(padded) - 2))
    return found


def trigram_similarity(a: str, b: str) -> float:
    """``pg_trgm``'s ``similarity(a, b)``: shared trigrams over all trigrams of the two."""
    first, second = trigrams(a), trigrams(b)
    union = len(first | second)
    return len(first & second) / union if union else 0.0


def similar_surnames(typed: str, limit: int = MAX_SIMILAR_SURNAMES) -> list[str]:
    """Surnames of the registry (folded) like ``typed`` but not starting with it — what a surname heard
    over the phone and misspelt («иваноф», «кузнецва», a missing letter) was meant to be — most similar
    first, by ``pg_trgm`` similarity of at least ``MIN_SIMILARITY``. See :func:`dictionary_surnames`."""
    return dictionary_surnames(typed, fuzzy=True, limit=limit)[1]


def longer_surnames(typed: str) -> list[str]:
    """Surnames of the registry (folded) that start with ``typed`` and are longer, in order."""
    return dictionary_surnames(typed, fuzzy=False)[0]


def dictionary_surnames(typed: str, *, fuzzy: bool, limit: int = MAX_SIMILAR_SURNAMES) -> tuple[list[str], list[str]]:
    """The surnames of the registry (folded) that start with ``typed`` and are longer, alphabetically,
    and (``fuzzy``) up to ``limit`` others similar to it, most similar first: one statement.

    They are looked up in the surname dictionary (``people.models.Surname``: a few thousand rows, not
    one per citizen), so the cost does not grow with the registry. PostgreSQL uses ``pg_trgm``'s ``%``
    operator (similarity of at least ``MIN_SIMILARITY``, its default threshold) on a GIN index.

    SQLite has no ``pg_trgm``; of its equivalents (a phonetic key column, an FTS5 trigram table) the
    trigram table was chosen because it finds candidates by the same trigrams and so ranks like
    PostgreSQL, whereas a phonetic key matches only spellings that sound alike — it would miss a dropped
    consonant («Кузецова») — and gives no order among its matches. The FTS5 table holds each surname
    padded as ``pg_trgm`` pads a word; any shared trigram makes a candidate (the ``limit * 20`` best by
    FTS5's bm25), and :func:`trigram_similarity` — ``pg_trgm``'s formula — keeps and orders them.
    """
    typed = fold_name(typed)
    table = Surname._meta.db_table
    grams = trigrams(typed) if fuzzy and len(typed) >= 3 else set()
    if connection.vendor == "postgresql":
        sql = f"SELECT folded, 0, 0.0 FROM {table} WHERE folded LIKE %s AND folded <> %s"  # noqa: S608
        params: list[Any] = [typed.replace("_", "\\_") + "%", typed]
        if grams:
            sql += (
                f" UNION ALL (SELECT folded, 1, similarity(folded, %s) FROM {table}"  # noqa: S608
                " WHERE folded %% %s AND left(folded, %s) <> %s ORDER BY 3 DESC, folded LIMIT %s)"
            )
            params += [typed, typed, len(typed), typed, limit]
        with connection.cursor() as cursor:
            cursor.execute(sql + " ORDER BY 2, 3 DESC, 1", params)
            rows = cursor.fetchall()
        return [r[0] for r in rows if r[1] == 0], [r[0] for r in rows if r[1] == 1]
    sql = f"SELECT folded, 0 FROM {table} WHERE folded > %s AND folded < %s"  # noqa: S608
    params = [typed, typed + "\U0010ffff"]
    if grams:
        sql += (
            f" UNION ALL SELECT * FROM (SELECT s.folded, 1 FROM people_surname_trigram t JOIN {table} s"  # noqa: S608
            " ON s.id = t.rowid WHERE people_surname_trigram MATCH %s ORDER BY t.rank LIMIT %s)"
        )
        params += [" OR ".join('"' + gram.replace('"', '""') + '"' for gram in sorted(grams)), limit * 20]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    longer = sorted(r[0] for r in rows if r[1] == 0)
    scored = [(trigram_similarity(typed, r[0]), r[0]) for r in rows if r[1] == 1 and not r[0].startswith(typed)]
    similar = sorted(((-score, c) for score, c in scored if score >= MIN_SIMILARITY))[:limit]
    return longer, [c for _, c in similar]


def _narrowing(tokens: tuple[str, ...]) -> Q:
    """Given-name and patronymic prefixes typed after the surname."""
    narrowing = Q()
    if len(tokens) > 1:
        narrowing &= _prefix("given_name_folded", tokens[1])
    if len(tokens) > 2:
        narrowing &= _prefix("patronymic_folded", tokens[2])
    return narrowing


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
        LIMIT %s OFFSET %s"""  # noqa: S608


def _search_by_phone(phone: str, base: QuerySet[Person] | None, limit: int, offset: int = 0) -> list[Person]:
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
    found = list(Person.objects.raw(_phone_sql(scope_sql), [phone, phone, *scope_params, limit, offset]))
    district_fields = [f.attname for f in District._meta.concrete_fields]
    for person in found:
        if person.district_id is not None:
            values = [getattr(person, f"district__{name}") for name in district_fields]
            person.district = District.from_db("default", district_fields, values)
        person.matched_as_relative = bool(person.matched_as_relative)  # type: ignore[attr-defined]
    return found


_IN_SURNAME_ORDER = ["given_name_folded", "patronymic_folded", "birth_date", "pk"]


def _surnames_page(
    people: QuerySet[Person], scope: QuerySet[Person], surnames: list[str], skip: int, need: int
) -> list[Person]:
    """Rows ``skip`` to ``skip + need`` of the bearers of ``surnames``, surname by surname in the order
    given, each surname's in given-name order.

    A first page reads each surname in turn until it is full. A later one counts each surname's bearers
    in ``scope`` (the same filters as ``people``, without the per-row columns); the surnames the page
    does not reach are not read, the ones before the last it needs hold fewer rows than the page and
    are read and ordered together, and the last is read in the order of the ``person_name_order``
    index, stopping at the page's end — so a common surname costs a page, not a sort of all its bearers.
    """
    if not surnames or need <= 0:
        return []
    if not skip:  # a first page: each surname in turn until the page is full, no counting
        found: list[Person] = []
        for name in surnames:
            found += people.filter(surname_folded=name).order_by(*_IN_SURNAME_ORDER)[: need - len(found)]
            if len(found) >= need:
                break
        return found
    counted = scope.filter(surname_folded__in=surnames).values("surname_folded").annotate(n=Count("pk"))
    counts = {row["surname_folded"]: row["n"] for row in counted.order_by()}
    ordered = [name for name in surnames if counts.get(name)]
    while ordered and counts[ordered[0]] <= skip:
        skip -= counts[ordered.pop(0)]
    needed, total = [], 0
    for name in ordered:
        needed.append(name)
        total += counts[name]
        if total >= skip + need:
            break
    if not needed:
        return []
    found = []
    head, last = needed[:-1], needed[-1]
    if head:
        rank = Case(*(When(surname_folded=n, then=Value(i)) for i, n in enumerate(head)), output_field=IntegerField())
        in_head = people.filter(surname_folded__in=head).annotate(surname_rank=rank)
        found = list(in_head.order_by("surname_rank", *_IN_SURNAME_ORDER)[skip : skip + need])
        skip = 0
    if len(found) < need:
        found += people.filter(surname_folded=last).order_by(*_IN_SURNAME_ORDER)[skip : skip + need - len(found)]
    return found


def search_people(
    query: SearchQuery,
    base: QuerySet[Person] | None = None,
    limit: int = MAX_RESULTS,
    offset: int = 0,
    *,
    fuzzy: bool = True,
) -> list[Person]:
    """People matching ``query``, best match first, each with ``primary_phone``; rows ``offset`` to
    ``offset + limit``.

    Phone matches come first (the caller's own phone before a relative's: ``matched_as_relative``),
    then exact SNILS, then name matches: the surname typed exactly, then longer surnames starting with
    it (in alphabetical order), then (``fuzzy``) similar surnames, most similar first
    (:func:`similar_surnames`: a misspelt surname still finds the citizen); each surname's bearers by
    given name, patronymic and birth date, narrowed by birth date when one is given.

    The surnames come from the surname dictionary (:func:`dictionary_surnames`, one statement). A first
    page narrowed by a given name or a birth date is then one statement ranking the surnames; a surname
    alone (thousands may bear it) and later pages are read surname by surname (:func:`_surnames_page`),
    the exact surname first through the ``person_name_order`` index.
    """
    if query.is_empty:
        return []
    scope = base if base is not None else Person.objects.all()
    if query.phone:
        return _search_by_phone(query.phone, base, limit, offset)
    if query.birth_date:
        scope = scope.filter(birth_date=query.birth_date)
    people = scope.select_related("district").annotate(primary_phone=_primary_phone())
    if query.snils:
        return list(people.filter(snils=query.snils)[offset : offset + limit])
    if not query.name_tokens:
        order = ["surname_folded", "given_name_folded", "patronymic_folded", "birth_date", "pk"]
        return list(people.order_by(*order)[offset : offset + limit])
    surname, narrowing = query.name_tokens[0], _narrowing(query.name_tokens)
    scope, people = scope.filter(narrowing), people.filter(narrowing)
    found: list[Person] = []
    if offset == 0 and not (narrowing or query.birth_date):
        # A surname alone: its bearers may be thousands; the first page of them is an index range.
        found = list(people.filter(surname_folded=surname).order_by(*_IN_SURNAME_ORDER)[:limit])
        if len(found) == limit:
            return found
    longer, similar = dictionary_surnames(surname, fuzzy=fuzzy)
    if offset or not (narrowing or query.birth_date):
        surnames = [*([surname] if offset else []), *longer, *similar]
        return found + _surnames_page(people, scope, surnames, offset, limit - len(found))
    # The first page with a given name or a birth date: few rows, one statement ranking the surnames.
    surnames = [surname, *longer, *similar]
    rank = Case(*(When(surname_folded=n, then=Value(i)) for i, n in enumerate(surnames)), output_field=IntegerField())
    ranked = people.filter(surname_folded__in=surnames).annotate(surname_rank=rank)
    return list(ranked.order_by("surname_rank", *_IN_SURNAME_ORDER)[:limit])


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
    phone, the address and whether a relative's phone matched. A row at search level (``card`` False)
    carries the name, birth date and district only: it is built without the rest, so that no page or
    answer can show more by mistake. ``elsewhere``: a dispatcher's row of a citizen of districts his
    TCSO does not serve, with ``served_by``, the TCSOs that serve the citizen's district — the answer
    "registered; served by TCSO X" instead of "nobody registered", which would invite a duplicate.
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
    address: str = ""
    elsewhere: bool = False
    served_by: tuple[str, ...] = ()

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
            address=person.address,
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


def searches_other_tcsos(user: Any) -> bool:
    """``user`` is a dispatcher: a citizen of districts his TCSO does not serve is answered "registered;
    served by TCSO X" (name, birth date, district and the TCSO), never "nobody registered"."""
    return is_dispatcher.test(user) and not citywide_person_roles.test(user) and not searches_at_search_level(user)


def qualifies_for_elsewhere(query: SearchQuery) -> bool:
    """A dispatcher's query that may find a citizen of another TCSO: a phone or a SNILS (the number a new
    citizen would be registered with), or a full surname with a given name or a birth date."""
    return bool(query.phone or query.snils) or qualifies_for_search_level(query)


def _served_by(district_ids: set[int]) -> dict[int, tuple[str, ...]]:
    """The TCSOs that serve each district (short names where they have one)."""
    served: dict[int, list[str]] = {}
    rows = Organisation.objects.filter(kind=Organisation.Kind.TCSO, is_active=True, districts__in=district_ids)
    for district_id, short_name, name in rows.order_by("name").values_list("districts", "short_name", "name"):
        served.setdefault(district_id, []).append(short_name or name)
    return {district_id: tuple(names) for district_id, names in served.items()}


def find_people(user: Any, query: SearchQuery, limit: int = MAX_RESULTS, offset: int = 0) -> list[FoundPerson]:
    """What the search shows ``user``, best match first (rows ``offset`` to ``offset + limit``): full rows
    of the people whose cards they may open, and

    - for the roles that search at search level (``searches_at_search_level``), rows of name, birth date
      and district of other citizens whose surname is the one typed in full, with a given name or a
      birth date (``qualifies_for_search_level``);
    - for a dispatcher (``searches_other_tcsos``), the same rows of citizens of other TCSOs' districts
      found by phone, SNILS or such a name, with the TCSOs that serve them (``FoundPerson.served_by``).

    A misspelt surname finds only people whose cards the user may open. The search page and the API
    show this; the screen pop's caller-ID look-up is a phone search, which finds only ``visible_people``.
    """
    visible = visible_people(user)
    if searches_other_tcsos(user) and qualifies_for_elsewhere(query):
        if query.name_tokens:
            base = Person.objects.filter(Q(surname_folded=query.name_tokens[0]) | Q(pk__in=visible.values("pk")))
        else:
            base = Person.objects.all()
        found = search_people(query, base=base, limit=limit, offset=offset)
        cards = set(visible.filter(pk__in=[p.pk for p in found]).values_list("pk", flat=True))
        served = _served_by({p.district_id for p in found if p.pk not in cards and p.district_id})
        return [
            FoundPerson.of(p, card=True)
            if p.pk in cards
            else dataclasses.replace(
                FoundPerson.of(p, card=False), elsewhere=True, served_by=served.get(p.district_id or 0, ())
            )
            for p in found
        ]
    if not (searches_at_search_level(user) and qualifies_for_search_level(query)):
        return [FoundPerson.of(p, card=True) for p in search_people(query, base=visible, limit=limit, offset=offset)]
    surname = query.name_tokens[0]
    base = Person.objects.filter(Q(surname_folded=surname) | Q(pk__in=visible.values("pk")))
    found = search_people(query, base=base, limit=limit, offset=offset)
    cards = set(visible.filter(pk__in=[p.pk for p in found]).values_list("pk", flat=True))
    return [FoundPerson.of(p, card=p.pk in cards) for p in found]


# Look-ups of a number typed in the search box in the apps above people (a help request's number):
# each app registers one in its AppConfig.ready(), since people may not import them.
@dataclass(frozen=True)
class NumberHit:
    """A record a number typed in the search box names, as the searcher may see it: what to call it
    (already translated) and where it opens."""

    label: str
    url: str


NumberLookup = Callable[[Any, int], "NumberHit | None"]
_number_lookups: dict[str, NumberLookup] = {}


def register_number_lookup(name: str, lookup: NumberLookup) -> None:
    """Register (again, under the same name: replaced) ``lookup(user, number)`` for the search box."""
    _number_lookups[name] = lookup


def find_by_number(user: Any, number: int) -> list[NumberHit]:
    """The records named by ``number`` that ``user`` may open, one per registered look-up at most."""
    hits = [lookup(user, number) for _, lookup in sorted(_number_lookups.items())]
    return [hit for hit in hits if hit is not None]


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
