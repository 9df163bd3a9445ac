"""The API's error answers in its OpenAPI document (``core.api`` gives them).

A separate module from ``core.api``: that one is DRF's pagination setting, imported while
DRF itself loads, before drf-spectacular can be."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiResponse

# -- the error answers in the OpenAPI document ---------------------------------------------
ERROR_SCHEMA: dict[str, Any] = {
    "type": "object",
    "description": "A refusal: why, and for 403 and 409 a code.",
    "properties": {
        "detail": {"type": "string"},
        "code": {"type": "string", "example": "transition_not_allowed"},
    },
    "required": ["detail"],
}
FIELD_ERRORS_SCHEMA: dict[str, Any] = {
    "type": "object",
    "description": "Bad input: each field or query parameter named with its errors "
    "(``non_field_errors`` for the body as a whole), or ``detail`` for a body that could "
    "not be read.",
    "additionalProperties": {
        "oneOf": [{"type": "array", "items": {"type": "string"}}, {"type": "string"}]
    },
}
ERROR_REF = {"$ref": "#/components/schemas/Error"}
FIELD_ERRORS_REF = {"$ref": "#/components/schemas/FieldErrors"}
ERROR_DESCRIPTIONS = {
    "400": "Bad input: the fields or parameters named, with their errors. Nothing changed.",
    "403": "Not signed in, or not allowed to do this. Nothing changed.",
    "404": "No such record, or one the caller may not see.",
    "409": "Not allowed from the record's current state (or it changed meanwhile). "
    "Nothing changed.",
}
# For ``extend_schema(responses={200: ..., **CONFLICT})`` on a step that a record's state
# may refuse: the one error answer that cannot be told from the operation's shape.
CONFLICT = {409: OpenApiResponse(response=ERROR_REF, description=ERROR_DESCRIPTIONS["409"])}


def _error_response(code: str) -> dict[str, Any]:
    schema = FIELD_ERRORS_REF if code == "400" else ERROR_REF
    return {
        "description": ERROR_DESCRIPTIONS[code],
        "content": {"application/json": {"schema": schema}},
    }


def document_error_responses(
    result: dict[str, Any], generator: Any, request: Any, public: bool
) -> dict[str, Any]:
    """A SPECTACULAR_SETTINGS postprocessing hook: every operation documents the errors
    its shape can answer, with their bodies (the ``Error`` and ``FieldErrors``
    components). 403 where a caller must be signed in (every operation with a security
    requirement); 404 where the path names a record; 400 where query parameters or a
    body are read. 409 is declared by each step (:data:`CONFLICT`), as only the step
    knows that a state can refuse it. Answers an operation documents itself are kept."""
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    schemas.setdefault("Error", ERROR_SCHEMA)
    schemas.setdefault("FieldErrors", FIELD_ERRORS_SCHEMA)
    for item in result.get("paths", {}).values():
        for operation in item.values():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            parameters = operation.get("parameters", [])
            codes = []
            if any(requirement for requirement in operation.get("security", [{}])):
                codes.append("403")
            if any(p.get("in") == "path" for p in parameters):
                codes.append("404")
            if "requestBody" in operation or any(p.get("in") == "query" for p in parameters):
                codes.append("400")
            responses = operation["responses"]
            for code in codes:
                responses.setdefault(code, _error_response(code))
            if "409" in responses and "content" not in responses["409"]:
                responses["409"]["content"] = _error_response("409")["content"]
            operation["responses"] = dict(sorted(responses.items()))
    return result
