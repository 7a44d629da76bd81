"""The admin keeps the service's reference data (topics, settings, hotlines). Consultations, notes, calls
and groups are not here: notes are for the service's psychologists only, and the records are changed
through the services, which journal every change."""

from django.contrib import admin
from django.utils.translation import pgettext_lazy

from core.admin import NamedAdmin
from psych.models import HotlineLine, ServiceSettings, Topic


@admin.register(Topic)
class TopicAdmin(NamedAdmin):
    name_accusative = pgettext_lazy("accusative", "topic")
    list_display = ["name", "parent", "code", "position", "is_active"]
    list_filter = ["is_active", "parent"]
    search_fields = ["name", "code"]


@admin.register(ServiceSettings)
class ServiceSettingsAdmin(admin.ModelAdmin):
    list_display = ["organisation", "video_platform", "video_link_base", "reminder_hours"]
    raw_id_fields = ["organisation"]


@admin.register(HotlineLine)
class HotlineLineAdmin(NamedAdmin):
    name_accusative = pgettext_lazy("accusative", "hotline")
    list_display = ["name", "phone", "organisation", "round_the_clock", "opens", "closes", "is_active"]
    raw_id_fields = ["organisation"]
