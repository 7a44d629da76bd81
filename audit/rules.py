"""Who may read the journal of a citizen's record."""

import rules

from core.permissions import is_supervisor

rules.add_perm("audit.view_person_journal", is_supervisor)
