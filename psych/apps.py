from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PsychConfig(AppConfig):
    name = "psych"
    verbose_name = _("Psychological support")

    def ready(self) -> None:
        from people.card import register_tab
        from people.relations import register_relation
        from psych.card import PSYCH_TAB
        from psych.relations import PSYCH_RELATION

        register_tab(PSYCH_TAB)
        register_relation(PSYCH_RELATION)
