"""Oncology navigation's API: referrals to an oncologist and the patient's answer, free slots across
facilities, and the appointments the personal assistant books. Mounted in ``opora/api.py``."""

from ninja import Router

from navigation.api import appointments, referrals, slots

router = Router()
router.add_router("/", referrals.router)
router.add_router("/", slots.router)
router.add_router("/", appointments.router)
