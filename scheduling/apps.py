from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SchedulingConfig(AppConfig):
    name = "scheduling"
    verbose_name = _("Schedules and slots")
    # Reference data administrators keep in the admin site (directory.reference.load_roles).
    administrator_models = ("resource", "weeklyhours", "scheduleexception")
