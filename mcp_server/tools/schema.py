"""The input schema a tool publishes: compact, because every model call carries the whole tool list.

One generation step for every tool, used by the MCP server and the relay's browser-run tools alike: the
argument model's JSON schema without titles, string constraints (`pattern`, `minLength`, `maxLength`) and the
`anyOf [..., null]` + `default: null` of optional arguments (an argument not in `required` is optional), and
`additionalProperties: false`. Kept: `type`, `enum`, `required`, non-null `default`s, `minimum`/`maximum`,
and the descriptions the argument models give (only where a name alone is not clear). The server still
validates every call with the full argument model (`tools.run.parse_arguments`, unknown arguments refused)
and answers a clear error.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel
from pydantic.json_schema import GenerateJsonSchema, JsonSchemaValue
from pydantic_core import core_schema

__all__ = ["input_schema"]


class CompactSchema(GenerateJsonSchema):
    """A pydantic schema generator for what a model needs to call a tool right, and nothing else."""

    def field_title_should_be_set(self, schema: Any) -> bool:
        return False

    def str_schema(self, schema: core_schema.StringSchema) -> JsonSchemaValue:
        return {"type": "string"}

    def nullable_schema(self, schema: core_schema.NullableSchema) -> JsonSchemaValue:
        return self.generate_inner(schema["schema"])

    def default_schema(self, schema: core_schema.WithDefaultSchema) -> JsonSchemaValue:
        if "default" in schema and schema["default"] is None:
            return self.generate_inner(schema["schema"])
        return super().default_schema(schema)

    def model_schema(self, schema: core_schema.ModelSchema) -> JsonSchemaValue:
        json_schema = super().model_schema(schema)
        json_schema.pop("title", None)
        json_schema.pop("additionalProperties", None)  # unknown arguments are refused by the server
        return json_schema


def _inline(value: Any, defs: dict[str, Any]) -> Any:
    """`value` with every `{"$ref": "#/$defs/X"}` replaced by X itself (the argument models nest no deeper
    than one list of small objects, and some models read `$ref` badly)."""
    if isinstance(value, dict):
        ref = value.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/$defs/"):
            return _inline(defs[ref.removeprefix("#/$defs/")], defs)
        return {k: _inline(v, defs) for k, v in value.items()}
    if isinstance(value, list):
        return [_inline(v, defs) for v in value]
    return value


def input_schema(model: type[BaseModel]) -> dict[str, Any]:
    """The published input schema of a tool whose arguments `model` validates."""
    schema = model.model_json_schema(by_alias=True, schema_generator=CompactSchema)
    defs = schema.pop("$defs", None)
    return _inline(schema, defs) if defs else schema
