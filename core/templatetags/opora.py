from django import template

from core.validators import format_phone

register = template.Library()


@register.filter
def phone(value: str | None) -> str:
    return format_phone(value) if value else ""


@register.simple_tag
def line(*parts: object) -> str:
    """The parts that are there, joined by " · " (escaped by the template engine): a summary line under a
    name reads «12.03.1941 (85) · ул. Липецкая, 7», never «— · ул. Липецкая, 7» for an unknown birth date."""
    return " · ".join(str(part) for part in parts if part not in (None, ""))
