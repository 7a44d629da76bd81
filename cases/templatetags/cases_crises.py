"""The count of unanswered crises beside the «Crises» link of the main menu."""

from typing import Any

from django import template

from cases import selectors

register = template.Library()


@register.simple_tag
def unanswered_crises(user: Any) -> int:
    """Open crises nobody has taken yet that ``user`` sees on the crisis list (one query)."""
    return selectors.unanswered_crises_count(user)
