from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NavigationConfig(AppConfig):
    name = "navigation"
    verbose_name = _("Oncology personal assistants")
    # Reference data administrators keep in the admin site (directory.reference.load_roles).
    administrator_models = ("assistantcapacity", "steptemplate")

    def ready(self) -> None:
        from audit.labels import register_fields
        from navigation.card import NAVIGATION_TAB
        from navigation.relations import NAVIGATION_RELATION
        from people.card import register_tab
        from people.relations import register_relation

        register_tab(NAVIGATION_TAB)
        register_relation(NAVIGATION_RELATION)
        # What the journey's journal entries on its case name, in words.
        register_fields(
            {
                "stage": _("stage"),
                "steps": _("journey steps"),
                "call_tasks": _("call tasks"),
                "assistant": _("personal assistant"),
                "handovers": _("hand-overs to other services"),
                "card": _("the patient's card"),
                "reply": _("patient's reply"),
            }
        )
