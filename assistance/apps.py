from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AssistanceConfig(AppConfig):
    name = "assistance"
    verbose_name = _("Help requests")

    def ready(self) -> None:
        from assistance.card import REQUESTS_TAB
        from assistance.search import register as register_request_number_lookup
        from people.card import register_tab

        register_tab(REQUESTS_TAB)
        # A request number typed in the search box finds the request.
        register_request_number_lookup()
