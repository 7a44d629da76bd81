"""Who may look at the outbox, and who may read the texts in it.

The delivery state (channel, masked recipient, status, attempts, errors) is for supervisors and the
administrator who runs the gateways. The texts are personal data of the citizens they were sent to, so
only supervisors read them: they answer citizens' complaints about what they were told and already
read citizens' records city-wide. The administrator, who may not open citizens' records, never does.
"""

import rules

from core.permissions import is_administrator, is_supervisor

rules.add_perm("notify.view_outbox", is_supervisor | is_administrator)
rules.add_perm("notify.view_message_text", is_supervisor)
