from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AssistanceConfig(AppConfig):
    name = "assistance"
    verbose_name = _("Help requests")

    def ready(self) -> None:
        from assistance.card import REQUESTS_TAB
        from people.card import register_tab

        register_tab(REQUESTS_TAB)
