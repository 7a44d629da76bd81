"""Who may take calls at the call centre's screen, and whose calls count in their figures."""

import rules

from core.permissions import role_is
from core.roles import Role

# The call centre and its supervisors work with every call in the city.
citywide_call_roles = role_is(Role.OPERATOR, Role.SUPERVISOR)

rules.add_perm("intake.take_calls", role_is(Role.OPERATOR, Role.SUPERVISOR, Role.DISPATCHER))
