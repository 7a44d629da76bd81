import re

import pytest

pytestmark = pytest.mark.django_db


def test_openapi_schema_lists_the_registry_operations(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    schema = response.json()
    operations = {
        (path, method): op["operationId"] for path, methods in schema["paths"].items() for method, op in methods.items()
    }
    registry = {
        ("/api/v1/people", "get"): "search_people",
        ("/api/v1/people", "post"): "create_person",
        ("/api/v1/people/{person_id}", "get"): "get_person",
        ("/api/v1/people/{person_id}", "patch"): "update_person",
    }
    assert registry.items() <= operations.items()
    assert all(operations.values()), "every operation has an id"
    assert schema["info"]["title"] == "Opora API"
    assert schema["components"]["securitySchemes"]["TokenAuth"]["scheme"] == "bearer"


def test_docs_page_is_served_without_login_and_without_inline_scripts(client):
    response = client.get("/api/v1/docs")
    assert response.status_code == 200
    html = response.content.decode()
    scripts = re.findall(r"<script\b([^>]*)>(.*?)</script>", html, flags=re.S)
    assert scripts, "Swagger UI scripts are missing"
    assert all('src="' in attrs and not content.strip() for attrs, content in scripts)
    assert "/static/ninja/swagger-ui-bundle.js" in html
    assert 'id="swagger-settings"' in html and "/api/v1/openapi.json" in html
    assert "style=" not in html and "<style" not in html
    assert "script-src 'self'" in response["Content-Security-Policy"]
