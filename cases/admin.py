"""Step templates are the administrators' (city-wide and per hospital); cases are worked on in the pages."""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from cases.models import StepTemplate
from core.permissions import is_administrator


@admin.register(StepTemplate)
class StepTemplateAdmin(admin.ModelAdmin):
    list_display = ("need", "position", "title", "responsible", "due_in_days", "organisation", "is_active")
    list_filter = ("need", "responsible", "is_active", "organisation")
    search_fields = ("title",)

    def has_module_permission(self, request: HttpRequest) -> bool:
        return bool(is_administrator(request.user))

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return bool(is_administrator(request.user))

    has_add_permission = has_module_permission
    has_change_permission = has_view_permission
    has_delete_permission = has_view_permission
