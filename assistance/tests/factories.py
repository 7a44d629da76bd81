import factory

from assistance.models import ServiceType
from people.tests.factories import DistrictFactory, OrganisationFactory, PersonFactory, WorkerFactory

__all__ = ["DistrictFactory", "OrganisationFactory", "PersonFactory", "ServiceTypeFactory", "WorkerFactory"]


class ServiceTypeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ServiceType
        django_get_or_create = ("code",)

    code = "food"
    name = "Покупка и доставка продуктов"
    target_hours = 24
    handles_money = True
