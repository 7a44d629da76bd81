from django import template

from core.validators import format_phone

register = template.Library()


@register.filter
def phone(value: str | None) -> str:
    return format_phone(value) if value else ""
