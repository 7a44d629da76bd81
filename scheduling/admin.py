from django.contrib import admin

from scheduling.models import Resource, ScheduleException, WeeklyHours


class WeeklyHoursInline(admin.TabularInline):
    model = WeeklyHours
    extra = 0


class ScheduleExceptionInline(admin.TabularInline):
    model = ScheduleException
    extra = 0


@admin.register(Resource)
class ResourceAdmin(admin.ModelAdmin):
    list_display = ["name", "organisation", "kind", "code", "is_active"]
    list_filter = ["kind", "is_active"]
    search_fields = ["name", "code", "organisation__name"]
    autocomplete_fields = ["worker"]
    raw_id_fields = ["organisation"]
    inlines = [WeeklyHoursInline, ScheduleExceptionInline]
