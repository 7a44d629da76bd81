"""Access to a citizen's card by relationship: a registry that the apps above `people` fill.

Some roles do not read citizens' cards city-wide: they find any citizen at search level (name, birth
date and district; :func:`people.selectors.find_people`) and open the full card only of a citizen
they work with. What "work with" means belongs to the app that records the work, which `people`
never names. That app registers a :class:`Relation` in its ``AppConfig.ready()``::

    register_relation(Relation(
        code="hospital_case",
        roles=frozenset({Role.COORDINATOR}),
        people=lambda user: Q(hospital_cases__hospital_id=own_organisation_id(user)),
        may_change=True,
    ))

and from then on ``people.view_person`` (and, with ``may_change``, ``people.change_person``) holds for
a user of one of ``roles`` and a citizen ``people(user)`` includes; ``visible_people(user)`` lists them.

``people(user)`` is the relation as a query, for lists: a ``Q`` on :class:`~people.models.Person` or a
queryset of person ids (``Case.objects.filter(...).values("person_id")``). ``predicate(user, person)``
is the same relation for one citizen; without one, it is asked of the query (one ``EXISTS``). The two
must agree: the registering app tests that they do. The answers for one citizen are kept on the user
object for the rest of the request (as its roles are); a service that creates a relation and then
opens the card in the same request calls :func:`forget_relations` first.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.db.models import Q, QuerySet

from core.permissions import SEARCH_LEVEL_PERSON_ROLES
from core.roles import Role, user_roles
from people.models import Person

PersonPredicate = Callable[[Any, Person], bool]
PeopleQuery = Callable[[Any], "Q | QuerySet[Any]"]


@dataclass(frozen=True, kw_only=True)
class Relation:
    """Users of ``roles`` may open the card of a citizen for whom the relation holds.

    ``code`` names the relation (unique; it is journaled nowhere, but error messages name it).
    ``may_change``: the relation also lets them change the record (``people.change_person``); a
    relation that lets a role only read, as a psychologist's, leaves it False.
    """

    code: str
    roles: frozenset[str]
    people: PeopleQuery
    predicate: PersonPredicate | None = None
    may_change: bool = False

    def holds(self, user: Any, person: Person) -> bool:
        if self.predicate is not None:
            return bool(self.predicate(user, person))
        return Person.objects.filter(as_filter(self.people(user)), pk=person.pk).exists()


_relations: dict[str, Relation] = {}
# Bumped on every change of the registry, so answers kept on a user object never outlive it.
_generation = 0


def register_relation(relation: Relation) -> None:
    """Add ``relation``; called from an ``AppConfig.ready()`` (tests register their own and remove them)."""
    global _generation
    if relation.code in _relations:
        raise ImproperlyConfigured(f"A relation {relation.code!r} is already registered.")
    unknown = set(relation.roles) - set(Role.values)
    if not relation.roles or unknown:
        raise ImproperlyConfigured(f"The relation {relation.code!r} names no role or unknown roles: {sorted(unknown)}.")
    _relations[relation.code] = relation
    _generation += 1


def unregister_relation(code: str) -> None:
    """Remove a relation (tests register one for the test and take it away again)."""
    global _generation
    if _relations.pop(code, None) is not None:
        _generation += 1


def registered_relations() -> tuple[Relation, ...]:
    return tuple(_relations[code] for code in sorted(_relations))


def relation_roles() -> frozenset[str]:
    """Every role some registered relation names."""
    return frozenset(role for relation in _relations.values() for role in relation.roles)


def relations_for(user: Any, *, change: bool = False) -> list[Relation]:
    """The relations that apply to ``user``'s roles (only those that allow changes, with ``change``)."""
    roles = user_roles(user)
    return [r for r in registered_relations() if roles & r.roles and (r.may_change or not change)]


def as_filter(people: "Q | QuerySet[Any]") -> Q:
    """A relation's query as a filter on Person: a ``Q`` as it is, a queryset as ``pk IN (...)``."""
    if isinstance(people, Q):
        return people
    if isinstance(people, QuerySet):
        return Q(pk__in=people)
    raise TypeError(f"A relation's people() must answer a Q or a QuerySet, not {type(people).__name__}.")


def related_filter(user: Any, *, change: bool = False) -> Q | None:
    """The people some relation of ``user`` covers, as one filter; None when no relation applies."""
    condition: Q | None = None
    for relation in relations_for(user, change=change):
        part = as_filter(relation.people(user))
        condition = part if condition is None else condition | part
    return condition


def holding_relations(user: Any, person: Person) -> frozenset[str]:
    """The codes of the relations that hold between ``user`` and ``person``, asked once per request.

    The card asks the rule several times (the card, each tab, may they change it): the answer is kept
    on the user object, as its roles are, and dropped when the registry changes.
    """
    if not user.is_authenticated or person.pk is None:
        return frozenset()
    cache: dict[tuple[int, int], frozenset[str]] | None = getattr(user, "_opora_relations", None)
    if cache is None:
        cache = {}
        user._opora_relations = cache
    key = (_generation, person.pk)
    if key not in cache:
        cache[key] = frozenset(r.code for r in relations_for(user) if r.holds(user, person))
    return cache[key]


def forget_relations(user: Any) -> None:
    """Drop the answers kept on ``user``: call it after creating or ending a relation in the same request."""
    if hasattr(user, "_opora_relations"):
        del user._opora_relations


def relation_gives(user: Any, person: Person | None, *, change: bool = False) -> bool:
    """Whether a registered relation lets ``user`` open (``change``: change) ``person``'s card.

    Asked without a citizen, whether it could for some citizen: true for the roles that find citizens
    at search level and for every role a relation names, so that their cards answer 404 (not this
    user's), never 403.
    """
    if person is None:
        return bool(user_roles(user) & (SEARCH_LEVEL_PERSON_ROLES | relation_roles()))
    codes = holding_relations(user, person)
    if not codes:
        return False
    return not change or any(_relations[code].may_change for code in codes if code in _relations)
