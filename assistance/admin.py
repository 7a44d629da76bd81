from django.contrib import admin

from assistance.models import ServiceType


@admin.register(ServiceType)
class ServiceTypeAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "target_hours", "handles_money", "is_active", "sort_order"]
    list_filter = ["is_active", "handles_money", "programmes"]
    search_fields = ["name", "code"]
    filter_horizontal = ["required_skills", "programmes"]
