"""Who may see the dashboard, and of what scope."""

import rules

from core.permissions import is_dispatcher, is_operator, is_supervisor, role_is
from core.roles import Role

# A hospital coordinator sees the dashboard of what he may count: his hospital's cases and the requests
# of its patients (each panel narrows itself; no TCSO is chosen for him).
is_coordinator = role_is(Role.COORDINATOR)
rules.add_perm("reports.view_dashboard", is_supervisor | is_operator | is_dispatcher | is_coordinator)
# The figures of the whole city and of any TCSO; the others see their own TCSO's.
rules.add_perm("reports.view_city_figures", is_supervisor | is_operator)
