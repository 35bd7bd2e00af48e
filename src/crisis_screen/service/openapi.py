"""The service's OpenAPI document and its interactive docs page.

Written out here rather than derived from route decorators: the two screening endpoints take
multipart or JSON in one body and answer records already serialised by the workers, which a
framework's generator cannot infer. Every model comes from its pydantic class, so the document
cannot drift from what the service validates and returns.
"""

from __future__ import annotations

import json
from typing import Any

from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from crisis_screen import __version__
from crisis_screen.runs.records import ScanRecord
from crisis_screen.service.items import (
    MAX_BATCH_ITEMS,
    MAX_SOURCE_CHARS,
    BatchRequest,
    BatchResponse,
    FileItem,
    Health,
    Problem,
    TextItem,
    UrlItem,
)

__all__ = ["openapi_document", "swagger_page"]

_JSON = "application/json"
_REF = "#/components/schemas/{model}"
#: Swagger UI, loaded by the reader's browser (nothing is served from here but the page).
_SWAGGER = "https://cdn.jsdelivr.net/npm/swagger-ui-dist@5"

_DESCRIPTION = (
    "Explainable resume screening for Mental Health Response. Every answer is the record "
    "`crisis-screen scan` writes for the file: score, flag, tier, and each evidence line with "
    "the rule that weighed it. It flags and explains; a person decides."
)


def _ref(name: str) -> dict[str, str]:
    return {"$ref": _REF.format(model=name)}


def _content(name: str) -> dict[str, Any]:
    return {_JSON: {"schema": _ref(name)}}


def _problem(description: str) -> dict[str, Any]:
    return {"description": description, "content": _content("Problem")}


_REFUSED = {
    "401": _problem("No valid bearer API key (or webhook signature, when required)"),
    "413": _problem("Request body or file over the size limit"),
    "503": {
        **_problem("Starting, draining, or every worker busy: retry after Retry-After seconds"),
        "headers": {"Retry-After": {"schema": {"type": "integer"}}},
    },
}


def _paths() -> dict[str, Any]:
    single_body = {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["file"],
                    "properties": {
                        "file": {"type": "string", "format": "binary"},
                        "source": {"type": "string", "maxLength": MAX_SOURCE_CHARS},
                    },
                }
            },
            _JSON: {"schema": {"oneOf": [_ref("TextItem"), _ref("FileItem"), _ref("UrlItem")]}},
        },
    }
    return {
        "/health": {
            "get": {
                "summary": "Readiness: 200 once every worker has built its screener",
                "operationId": "health",
                "security": [],
                "responses": {
                    "200": {"description": "Ready", "content": _content("Health")},
                    "503": {"description": "Starting or draining", "content": _content("Health")},
                },
            }
        },
        "/v1/screen": {
            "post": {
                "summary": "Screen one resume",
                "description": (
                    "A multipart upload (`file`, optional `source`), or JSON text, a base64 "
                    "file or (when enabled) a URL. The answer is the record `crisis-screen "
                    "scan` writes for the same file."
                ),
                "operationId": "screen",
                "requestBody": single_body,
                "responses": {
                    "200": {
                        "description": "The resume's record",
                        "content": _content("ScanRecord"),
                    },
                    "400": _problem("Malformed JSON, bad base64, missing or unknown fields"),
                    "415": _problem("Neither multipart/form-data nor JSON"),
                    "422": {
                        "description": "The file cannot be read: its error record",
                        "content": _content("ScanRecord"),
                    },
                    **_REFUSED,
                },
            }
        },
        "/v1/screen/batch": {
            "post": {
                "summary": f"Screen up to {MAX_BATCH_ITEMS} resumes",
                "description": "One record per item, in input order; bad items as error records.",
                "operationId": "screen_batch",
                "requestBody": {"required": True, "content": _content("BatchRequest")},
                "responses": {
                    "200": {"description": "The records", "content": _content("BatchResponse")},
                    "400": _problem(f"Malformed JSON, or more than {MAX_BATCH_ITEMS} items"),
                    "415": _problem("Not JSON"),
                    **_REFUSED,
                },
            }
        },
    }


def openapi_document(api_key: bool) -> dict[str, Any]:
    """The OpenAPI 3.1 document of the service.

    Args:
        api_key: True when a bearer key is required (every path but ``/health``).
    """
    inputs: list[type[BaseModel]] = [TextItem, FileItem, UrlItem, BatchRequest]
    outputs: list[type[BaseModel]] = [ScanRecord, BatchResponse, Health, Problem]
    models = [(m, "validation") for m in inputs] + [(m, "serialization") for m in outputs]
    _, defs = models_json_schema(models, ref_template=_REF)  # type: ignore[arg-type]
    document: dict[str, Any] = {
        "openapi": "3.1.0",
        "info": {"title": "crisis_screen", "version": __version__, "description": _DESCRIPTION},
        "paths": _paths(),
        "components": {"schemas": defs.get("$defs", {})},
    }
    if api_key:
        document["components"]["securitySchemes"] = {"bearer": {"type": "http", "scheme": "bearer"}}
        document["security"] = [{"bearer": []}]
    return document


def swagger_page(openapi_url: str) -> str:
    """The interactive docs page (Swagger UI) for the document at ``openapi_url``."""
    return f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>crisis_screen API</title>
<link rel="stylesheet" href="{_SWAGGER}/swagger-ui.css">
</head>
<body>
<div id="swagger-ui"></div>
<script src="{_SWAGGER}/swagger-ui-bundle.js"></script>
<script>
SwaggerUIBundle({{url: {json.dumps(openapi_url)}, dom_id: "#swagger-ui"}});
</script>
</body>
</html>
"""
