from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AssistanceConfig(AppConfig):
    name = "assistance"
    verbose_name = _("Help requests")

    def ready(self) -> None:
        from assistance.card import REQUESTS_TAB
        from assistance.search import register as register_request_number_lookup
        from audit.labels import register_fields
        from people.card import register_tab

        register_tab(REQUESTS_TAB)
        # A request number typed in the search box finds the request.
        register_request_number_lookup()
        # What entries on a request name besides its fields: the worker it was given to (services.assign),
        # what a field worker's task shows of the citizen (field_views) and a receipt looked at (receipts).
        register_fields(
            {"assignee": _("worker"), "full_name": _("full name"), "phone": _("phone"), "receipt": _("receipt")},
            object_type="assistance.helprequest",
        )
