"""Domain errors that views and the API turn into messages for the user."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext_lazy as _

__all__ = ["ConcurrentEditError", "PermissionDenied", "ValidationError"]


class ConcurrentEditError(Exception):
    """Raised when a save carries a version that is no longer current."""

    default_message = _(
        "This record was changed by someone else while you were editing it. "
        "Reload the page to see their changes, then apply yours again."
    )

    def __init__(self, current_version: int | None = None) -> None:
        super().__init__(str(self.default_message))
        self.current_version = current_version
        self.message = self.default_message
