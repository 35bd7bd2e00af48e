"""JSON Schemas of the public data shapes, as published in ``schemas/``.

Integrations store results and edit lexicons; the schemas let them validate both. A test
keeps the files in ``schemas/`` equal to what this module generates.
"""

from __future__ import annotations

import json
from typing import Any

#: Schema name -> file name in the repository's ``schemas/`` folder.
SCHEMA_FILES = {
    "result": "screen_result.schema.json",
    "lexicon": "lexicon.schema.json",
    "record": "output_record.schema.json",
}


def schema(name: str) -> dict[str, Any]:
    """Return the JSON Schema called ``name`` (``result``, ``lexicon`` or ``record``)."""
    if name == "result":
        from crisis_screen.models import ScreenResult

        out = ScreenResult.model_json_schema()
        out["title"] = "crisis_screen ScreenResult"
        return out
    if name == "lexicon":
        from crisis_screen.lexicon import lexicon_json_schema

        return lexicon_json_schema()
    if name == "record":
        from crisis_screen.runs.records import record_json_schema

        return record_json_schema()
    raise ValueError(f"unknown schema {name!r} (known: {', '.join(SCHEMA_FILES)})")


def dump_schema(name: str) -> str:
    """Return the schema as stable, indented JSON text."""
    return json.dumps(schema(name), indent=2, sort_keys=True) + "\n"
