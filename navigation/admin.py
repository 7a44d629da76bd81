"""Administrators set each personal assistant's capacity and the polyclinics they serve. Referrals and
journeys are changed through the services, which journal every change, so they are not here."""

from django.contrib import admin
from django.utils.translation import pgettext_lazy

from core.admin import NamedAdmin
from directory.models import Organisation
from navigation.models import AssistantCapacity, StepTemplate


@admin.register(AssistantCapacity)
class AssistantCapacityAdmin(NamedAdmin):
    name_accusative = pgettext_lazy("accusative", "personal assistant's capacity")
    list_display = ["assistant", "capacity", "hours", "is_accepting"]
    list_filter = ["is_accepting"]
    search_fields = ["assistant__last_name", "assistant__first_name", "assistant__username"]
    filter_horizontal = ["polyclinics"]
    raw_id_fields = ["assistant"]

    def formfield_for_manytomany(self, db_field, request, **kwargs):  # type: ignore[no-untyped-def]
        if db_field.name == "polyclinics":
            kwargs["queryset"] = Organisation.objects.filter(kind=Organisation.Kind.POLYCLINIC)
        return super().formfield_for_manytomany(db_field, request, **kwargs)


@admin.register(StepTemplate)
class StepTemplateAdmin(admin.ModelAdmin):
    """The steps each stage brings and their target times; a journey keeps the due dates it was given."""

    list_display = ["title", "stage", "position", "milestone", "target_working_days", "interval_months", "times"]
    list_filter = ["stage", "is_active"]
    list_editable = ["position", "target_working_days", "interval_months", "times"]
    ordering = ["stage", "position"]
