from django.contrib import admin

from intake.models import Interaction


@admin.register(Interaction)
class InteractionAdmin(admin.ModelAdmin):
    list_display = ["started_at", "medium", "direction", "person", "operator", "outcome", "duration_seconds"]
    list_filter = ["medium", "direction", "outcome"]
    raw_id_fields = ["person", "operator", "requests"]
    readonly_fields = ["cti_call_id", "created_at", "updated_at"]
