"""The psychological service's API: consultations (metadata unless the caller is a psychologist of the
consultation's service), support groups and hotline calls. Mounted in ``opora/api.py``."""

from ninja import Router

from psych.api import consultations, groups, hotline

router = Router()
router.add_router("/", groups.router)
router.add_router("/", hotline.router)
router.add_router("/", consultations.router)
