"""Receipts of money spent on a request, for those who check them: the request's dispatcher and supervisors.

A receipt is a photo or a PDF the worker attached when marking a task done (``Assignment.receipt``). It
is kept in private storage (MEDIA_ROOT, which no URL serves) and read only through :func:`receipt`,
which checks the permission to dispatch the request and journals the read against the citizen.
"""

import mimetypes
from pathlib import PurePosixPath

from django.contrib.auth.models import User
from django.http import FileResponse, Http404, HttpRequest
from django.views.decorators.cache import never_cache

from assistance.models import Assignment
from audit import services as audit
from audit.models import Action
from core.actor import Actor
from core.validators import MAX_ID

# Shown in the browser; anything else (should a file have slipped past the form's validator) is downloaded.
INLINE_TYPES = {
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".png": "image/png",
    ".webp": "image/webp",
    ".heic": "image/heic",
    ".pdf": "application/pdf",
}
# Who may read a request's receipts (assistance/rules.py: the request's TCSO's dispatcher, supervisors).
PERMISSION = "assistance.dispatch_request"


def can_read(user: User, assignment: Assignment) -> bool:
    return bool(assignment.receipt) and user.has_perm(PERMISSION, assignment.request)


@never_cache
def receipt(request: HttpRequest, pk: int) -> FileResponse:
    """The receipt of assignment ``pk``. Anyone else gets 404, so that its existence is not revealed."""
    user = request.user
    assert isinstance(user, User)
    found = Assignment.objects.select_related("request").filter(pk=pk) if 0 < pk <= MAX_ID else None
    assignment = found.first() if found is not None else None
    if assignment is None or not can_read(user, assignment):
        raise Http404
    name = assignment.receipt.name
    try:
        handle = assignment.receipt.storage.open(name, "rb")
    except FileNotFoundError as exc:
        raise Http404 from exc
    audit.record(
        actor=Actor.from_request(request),
        action=Action.VIEW,
        # the request is the record people name ("заявка № 328"); which worker's receipt, in the details
        obj=assignment.request,
        person_id=assignment.request.person_id,
        fields=["receipt"],
        details={"section": "receipt", "assignment": assignment.pk},
    )
    suffix = PurePosixPath(name).suffix.lower()
    content_type = INLINE_TYPES.get(suffix)
    response = FileResponse(
        handle,
        as_attachment=content_type is None,
        filename=f"receipt-{assignment.request_id}{suffix}",
        content_type=content_type or mimetypes.guess_type(name)[0] or "application/octet-stream",
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
