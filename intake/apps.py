from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IntakeConfig(AppConfig):
    name = "intake"
    verbose_name = _("Call centre")

    def ready(self) -> None:
        from intake.card import INTERACTIONS_SECTION
        from people.card import register_section

        register_section(INTERACTIONS_SECTION)
