"""Who may hold slots: those who book for citizens (psychologists, personal assistants), and overbook; and who
keeps the production calendar."""

import rules

from core.permissions import is_administrator, role_is
from core.roles import Role

books_for_citizens = role_is(Role.PSYCHOLOGIST, Role.NAVIGATOR)

rules.add_perm("scheduling.book_slot", books_for_citizens)
# Overbooking is the same people's explicit decision, with a reason, journaled (scheduling.services.book).
rules.add_perm("scheduling.overbook", books_for_citizens)

# The production calendar is reference data: administrators keep it in Django admin (CalendarDayAdmin).
rules.add_perm("scheduling.manage_calendar", is_administrator)
