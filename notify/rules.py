"""Who may look at the outbox."""

import rules

from core.permissions import is_administrator, is_supervisor

rules.add_perm("notify.view_outbox", is_supervisor | is_administrator)
