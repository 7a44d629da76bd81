"""Who may find, read and change citizens' records."""

import rules

from core.permissions import citywide_person_editors, citywide_person_roles, in_served_districts, is_dispatcher

# A dispatcher works with the citizens of the districts his TCSO serves.
person_in_served_districts = in_served_districts("district_id")
district_dispatcher = is_dispatcher & person_in_served_districts

rules.add_perm("people.search_person", citywide_person_roles | is_dispatcher)
rules.add_perm("people.view_person", citywide_person_roles | district_dispatcher)
rules.add_perm("people.add_person", citywide_person_editors | is_dispatcher)
rules.add_perm("people.change_person", citywide_person_editors | district_dispatcher)
