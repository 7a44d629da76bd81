"""The API's live documentation page."""

from ninja.openapi.docs import Swagger


class StrictCspSwagger(Swagger):
    """Swagger UI from ninja's bundled files, with its settings in a hidden element, not a <script>."""

    template = "api/swagger.html"
