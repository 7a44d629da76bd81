from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CasesConfig(AppConfig):
    name = "cases"
    verbose_name = _("Cases")

    def ready(self) -> None:
        from assistance.signals import request_moved
        from cases.card import CASES_TAB
        from cases.handoffs import on_request_moved
        from cases.relations import CASE_RELATION
        from people.card import register_tab
        from people.relations import register_relation

        register_tab(CASES_TAB)
        register_relation(CASE_RELATION)
        request_moved.connect(on_request_moved, dispatch_uid="cases.handoffs")
