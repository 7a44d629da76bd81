from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NavigationConfig(AppConfig):
    name = "navigation"
    verbose_name = _("Oncology personal assistants")

    def ready(self) -> None:
        from navigation.relations import NAVIGATION_RELATION
        from people.relations import register_relation

        register_relation(NAVIGATION_RELATION)
