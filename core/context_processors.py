from typing import Any

from django.http import HttpRequest

from core.roles import Role, user_roles


def roles(request: HttpRequest) -> dict[str, Any]:
    codes = user_roles(request.user)
    return {"user_roles": codes, "role_labels": [str(label) for code, label in Role.choices if code in codes]}
