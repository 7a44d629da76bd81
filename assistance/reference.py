"""The catalogue and the TCSOs' service areas, as read on every new request.

Held per process for REFERENCE_TTL seconds (core.refcache): a service switched off, or a district
handed to another TCSO, reaches every server process within that time, and the process where the
change was made at once. Measured in docs/benchmarks.md: the two look-ups cost ~1 ms of CPU per
request when read from the database each time.
"""

from assistance.models import ServiceType
from core.refcache import ReferenceCache
from directory.models import District, Organisation

REFERENCE_TTL = 60.0


def _load_services() -> dict[str, ServiceType]:
    return {service.code: service for service in ServiceType.objects.filter(is_active=True)}


def _load_service_areas() -> dict[int, Organisation]:
    """District id → the active TCSO serving it; of two, the one created first (lowest id)."""
    areas: dict[int, Organisation] = {}
    tcsos = Organisation.objects.filter(kind=Organisation.Kind.TCSO, is_active=True).order_by("pk")
    for tcso in tcsos.prefetch_related("districts"):
        for district in tcso.districts.all():
            areas.setdefault(district.pk, tcso)
    return areas


_services: ReferenceCache[dict[str, ServiceType]] = ReferenceCache(
    _load_services, ttl=REFERENCE_TTL, models=[ServiceType]
)
_areas: ReferenceCache[dict[int, Organisation]] = ReferenceCache(
    _load_service_areas, ttl=REFERENCE_TTL, models=[Organisation, District]
)


def active_service(code: str) -> ServiceType | None:
    return _services.get().get(code)


def serving_tcso(district_id: int) -> Organisation | None:
    return _areas.get().get(district_id)
