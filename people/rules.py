"""Who may find, read and change citizens' records.

Operators and supervisors work with every citizen; a dispatcher with the citizens of the districts his
TCSO serves. Hospital coordinators, psychologists and personal assistants find any citizen at search
level (name, birth date, district: ``people.selectors.find_people``) and open the card of a citizen
only when a relation registered by the app that records their work holds (``people.relations``).
"""

from typing import Any

import rules

from core.permissions import (
    User,
    citywide_person_roles,
    in_served_districts,
    is_dispatcher,
    person_registrars,
    search_level_person_roles,
)
from people.relations import relation_gives

# A dispatcher works with the citizens of the districts his TCSO serves.
person_in_served_districts = in_served_districts("district_id")
district_dispatcher = is_dispatcher & person_in_served_districts


@rules.predicate
def related_to_person(user: User, person: Any) -> bool:
    """A registered relation lets the user open this citizen's card (without a citizen: could one)."""
    return relation_gives(user, person)


@rules.predicate
def related_to_person_for_change(user: User, person: Any) -> bool:
    """A registered relation lets the user change this citizen's record (without a citizen: could one)."""
    return relation_gives(user, person, change=True)


rules.add_perm("people.search_person", citywide_person_roles | is_dispatcher | search_level_person_roles)
rules.add_perm("people.view_person", citywide_person_roles | district_dispatcher | related_to_person)
rules.add_perm("people.add_person", person_registrars | is_dispatcher)
rules.add_perm("people.change_person", citywide_person_roles | district_dispatcher | related_to_person_for_change)
