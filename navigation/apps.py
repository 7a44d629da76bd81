from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NavigationConfig(AppConfig):
    name = "navigation"
    verbose_name = _("Oncology personal assistants")

    def ready(self) -> None:
        from navigation.card import NAVIGATION_TAB
        from navigation.relations import NAVIGATION_RELATION
        from people.card import register_tab
        from people.relations import register_relation

        register_tab(NAVIGATION_TAB)
        register_relation(NAVIGATION_RELATION)
