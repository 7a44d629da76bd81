import datetime

from django.contrib import admin
from django.http import HttpRequest
from django.utils import formats
from django.utils.translation import gettext_lazy as _

from scheduling.models import CalendarDay, Resource, ScheduleException, WeeklyHours


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


@admin.register(CalendarDay)
class CalendarDayAdmin(admin.ModelAdmin):
    """The production calendar, kept by administrators: the rule ``scheduling.manage_calendar`` decides
    every action here, not model permissions given to a group."""

    list_display = ["date", "weekday", "kind", "shortened", "note"]
    list_filter = ["kind", "shortened"]
    date_hierarchy = "date"
    search_fields = ["note"]
    ordering = ["-date"]
    fields = ["date", "kind", "shortened", "note"]

    @admin.display(description=_("weekday"))
    def weekday(self, obj: CalendarDay) -> str:
        day: datetime.date = obj.date
        return formats.date_format(day, "l")

    def _may_manage(self, request: HttpRequest) -> bool:
        return request.user.has_perm("scheduling.manage_calendar")

    def has_module_permission(self, request: HttpRequest) -> bool:
        return self._may_manage(request)

    def has_view_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return self._may_manage(request)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return self._may_manage(request)

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return self._may_manage(request)

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return self._may_manage(request)
