"""Who may see the dashboard, and of what scope."""

import rules

from core.permissions import is_dispatcher, is_operator, is_supervisor

rules.add_perm("reports.view_dashboard", is_supervisor | is_operator | is_dispatcher)
# The figures of the whole city and of any TCSO; the others see their own TCSO's.
rules.add_perm("reports.view_city_figures", is_supervisor | is_operator)
