from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PeopleConfig(AppConfig):
    name = "people"
    verbose_name = _("Citizens")

    def ready(self) -> None:
        from people import card

        for tab in card.PEOPLE_TABS:
            card.register_tab(tab)
