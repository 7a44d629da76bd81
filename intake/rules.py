"""Who may take calls at the call centre's screen."""

import rules

from core.permissions import role_is
from core.roles import Role

rules.add_perm("intake.take_calls", role_is(Role.OPERATOR, Role.SUPERVISOR, Role.DISPATCHER))
