from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IntakeConfig(AppConfig):
    name = "intake"
    verbose_name = _("Call centre")

    def ready(self) -> None:
        from audit.labels import register_fields
        from intake.card import INTERACTIONS_SECTION
        from people.card import register_section

        register_section(INTERACTIONS_SECTION)
        # The telephony's events, which its entries on a call name (intake.services.cti_event).
        register_fields(
            {"ring": _("the call came in"), "answer": _("the call was answered"), "hangup": _("the call ended")},
            object_type="intake.interaction",
        )
