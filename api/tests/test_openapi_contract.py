"""The API's contract is pinned: the OpenAPI document served must be the one committed.

``data/openapi.json`` was first captured before the endpoints moved from the `api` app into
`people/api`, `assistance/api.py` and `intake/api.py` (issue 10), and the move left it unchanged. Since
then it changes only on purpose, in the commit that changes the API, which says why (issue 11: ids,
versions and offsets state their bounds, text fields their enumerations, bodies their 400/413/415
answers; the CTI webhook says that only the telephony's service account may post to it; issue 12: the
endpoints of hospital cases, their route of help, needs assessments and hand-offs to the TCSO, added
beside the others; issue 13: the psychological service's consultations with their confidential notes,
support groups and hotline calls, added beside them, nothing else changed; issue 14: the oncology
programme's referrals, free slots and appointments, added beside them, nothing else changed; issue 15:
a help request's ``night_visit``, the citizen's request for a visit outside working hours, added to its
body and its answer; then ``POST /requests/{id}/window``, the visit moved to a new window agreed with the
citizen, added beside the others, nothing else changed). Paths,
parameters, request bodies, answers and component schemas must match.
"""

import json
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.django_db

BEFORE = Path(__file__).parent / "data" / "openapi.json"


def _without_ids_and_tags(paths: dict[str, Any]) -> dict[str, Any]:
    return {
        path: {
            method: {key: value for key, value in operation.items() if key not in ("operationId", "tags")}
            for method, operation in methods.items()
        }
        for path, methods in paths.items()
    }


@pytest.fixture
def served(client: Any) -> dict[str, Any]:
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    return response.json()


@pytest.fixture
def before() -> dict[str, Any]:
    return json.loads(BEFORE.read_text(encoding="utf-8"))


def test_paths_and_operations_are_as_committed(served: dict[str, Any], before: dict[str, Any]) -> None:
    assert sorted(served["paths"]) == sorted(before["paths"])
    assert _without_ids_and_tags(served["paths"]) == _without_ids_and_tags(before["paths"])


def test_component_schemas_are_as_committed(served: dict[str, Any], before: dict[str, Any]) -> None:
    assert sorted(served["components"]["schemas"]) == sorted(before["components"]["schemas"])
    assert served["components"] == before["components"]


def test_operation_ids_and_tags_are_as_committed(served: dict[str, Any], before: dict[str, Any]) -> None:
    """A client generator names its functions after them."""

    def ids(doc: dict[str, Any]) -> dict[tuple[str, str], tuple[str, tuple[str, ...]]]:
        return {
            (path, method): (op.get("operationId", ""), tuple(op.get("tags", ())))
            for path, methods in doc["paths"].items()
            for method, op in methods.items()
        }

    assert ids(served) == ids(before)


def test_info_is_as_committed(served: dict[str, Any], before: dict[str, Any]) -> None:
    assert served["info"] == before["info"]


def test_the_document_states_the_real_constraints(served: dict[str, Any]) -> None:
    """Enumerations, bounds and the answers a body can get are in the document, not only in the code."""
    schemas = served["components"]["schemas"]
    assert schemas["TransitionIn"]["properties"]["to"]["enum"] == [
        "accepted",
        "assigned",
        "in_progress",
        "done",
        "failed",
        "cancelled",
    ]
    assert schemas["RequestCreateIn"]["properties"]["urgency"]["enum"] == ["normal", "urgent"]
    assert schemas["TransitionIn"]["properties"]["version"]["maximum"] == 2**63 - 1
    assert schemas["PersonCreateIn"]["properties"]["surname"]["minLength"] == 1
    steps = ["planned", "in_progress", "done", "not_needed", "failed"]
    assert schemas["StepMoveIn"]["properties"]["to"]["enum"] == steps
    assert "documents" in schemas["AssessmentIn"]["properties"]["needs"]["items"]["enum"]
    assert "handed_over" in schemas["CaseChangeIn"]["properties"]["outcome"]["enum"]
    assert schemas["CaseChangeIn"]["properties"]["version"]["maximum"] == 2**31 - 2
    [status] = [p for p in served["paths"]["/api/v1/cases"]["get"]["parameters"] if p["name"] == "status"]
    assert status["schema"]["enum"] == ["", "open", "closed"]
    for path, methods in served["paths"].items():
        for method, operation in methods.items():
            if method in ("post", "patch", "put"):
                assert {"400", "413", "415"} <= set(operation["responses"]), f"{method} {path}"
