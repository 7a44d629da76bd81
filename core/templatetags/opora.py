from typing import Any

from django import template

from core.validators import format_phone

register = template.Library()


@register.filter
def get_item(mapping: dict[Any, Any], key: Any) -> Any:
    return mapping.get(key) if mapping else None


@register.filter
def phone(value: str | None) -> str:
    return format_phone(value) if value else ""
