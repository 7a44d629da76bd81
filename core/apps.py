from django.apps import AppConfig
from django.utils.module_loading import autodiscover_modules
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = _("Core")

    def ready(self) -> None:
        from core import permissions  # noqa: F401  (the building blocks and core's own rule)

        # Every installed app declares its permissions in <app>/rules.py.
        autodiscover_modules("rules")
