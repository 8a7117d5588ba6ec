"""The offline API reference: `app.openapi()` drawn as one HTML page on the server.

No script and nothing from another site: every path and method with its parameters,
request body and responses, and every schema they name, each with an anchor.
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape

METHODS = ("get", "post", "put", "patch", "delete")
REF_PREFIX = "#/components/schemas/"


@dataclass(frozen=True)
class Shape:
    """A schema in a line: its label, the schema it names (anchor) and its own fields."""

    label: str
    ref: str | None = None
    fields: tuple[Field, ...] = ()


@dataclass(frozen=True)
class Field:
    """One property of an object schema, or one parameter."""

    name: str
    shape: Shape
    required: bool = False
    description: str = ""
    where: str = ""  # path, query, header, cookie (parameters only)


@dataclass
class Operation:
    """One method on one path."""

    method: str
    path: str
    anchor: str
    summary: str
    description: str
    parameters: list[Field] = field(default_factory=list)
    body: list[tuple[str, Shape]] = field(default_factory=list)
    body_required: bool = False
    responses: list[tuple[str, str, list[tuple[str, Shape]]]] = field(default_factory=list)


def shape(schema: dict[str, Any] | None, depth: int = 0) -> Shape:
    """A schema described in a line, with its properties when it is an inline object."""
    schema = schema or {}
    if "$ref" in schema:
        name = str(schema["$ref"]).removeprefix(REF_PREFIX)
        return Shape(name, ref=name)
    for key in ("anyOf", "oneOf", "allOf"):
        if key in schema:
            parts = [shape(s, depth + 1) for s in schema[key]]
            joiner = " and " if key == "allOf" else " or "
            named = next((p.ref for p in parts if p.ref), None)
            return Shape(joiner.join(p.label for p in parts), ref=named)
    kind = schema.get("type", "any")
    if kind == "array":
        item = shape(schema.get("items"), depth + 1)
        return Shape(f"array of {item.label}", ref=item.ref, fields=item.fields)
    label = str(kind)
    if "format" in schema:
        label += f" ({schema['format']})"
    if "enum" in schema:
        label += ": " + ", ".join(map(str, schema["enum"]))
    fields = properties(schema, depth + 1) if kind == "object" and depth < 3 else ()
    return Shape(label, fields=fields)


def properties(schema: dict[str, Any], depth: int = 0) -> tuple[Field, ...]:
    """The properties of an object schema, required ones marked."""
    required = set(schema.get("required", ()))
    return tuple(
        Field(
            name=name,
            shape=shape(prop, depth),
            required=name in required,
            description=str(prop.get("description") or prop.get("title") or ""),
        )
        for name, prop in (schema.get("properties") or {}).items()
    )


def _content(content: dict[str, Any] | None) -> list[tuple[str, Shape]]:
    return [(media, shape(body.get("schema"))) for media, body in (content or {}).items()]


def operations(spec: dict[str, Any]) -> list[Operation]:
    """Every method of every path, in the schema's order, each with its own anchor."""
    found = []
    anchors: set[str] = set()
    for path, item in (spec.get("paths") or {}).items():
        for method in METHODS:
            op = item.get(method)
            if op is None:
                continue
            body = op.get("requestBody") or {}
            anchor = str(op.get("operationId") or f"{method}-{path}")
            if anchor in anchors:  # one function on two methods shares an operationId
                anchor = f"{anchor}-{method}"
            anchors.add(anchor)
            found.append(
                Operation(
                    method=method.upper(),
                    path=path,
                    anchor=anchor,
                    summary=str(op.get("summary") or ""),
                    description=str(op.get("description") or ""),
                    parameters=[
                        Field(
                            name=p["name"],
                            shape=shape(p.get("schema")),
                            required=bool(p.get("required")),
                            description=str(p.get("description") or ""),
                            where=str(p.get("in") or ""),
                        )
                        for p in (*item.get("parameters", ()), *op.get("parameters", ()))
                    ],
                    body=_content(body.get("content")),
                    body_required=bool(body.get("required")),
                    responses=[
                        (
                            str(code),
                            str(answer.get("description") or ""),
                            _content(answer.get("content")),
                        )
                        for code, answer in (op.get("responses") or {}).items()
                    ],
                )
            )
    return found


def schemas(spec: dict[str, Any]) -> list[tuple[str, str, Shape]]:
    """Every named schema: name, description and its fields."""
    named = (spec.get("components") or {}).get("schemas") or {}
    return [
        (name, str(body.get("description") or ""), shape(body))
        for name, body in sorted(named.items())
    ]


@lru_cache(maxsize=1)
def _environment() -> Environment:
    return Environment(
        loader=PackageLoader("creditflow.api", "templates"),
        autoescape=select_autoescape(["html"], default=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )


def style() -> str:
    """The page's own style sheet (inline, allowed by its hash in the CSP)."""
    return _environment().get_template("api_reference.css").render()


def render_reference(spec: dict[str, Any]) -> tuple[str, str]:
    """The reference page for an OpenAPI schema, and the CSP that allows its style only."""
    css = style()
    digest = base64.b64encode(hashlib.sha256(css.encode("utf-8")).digest()).decode("ascii")
    csp = (
        f"default-src 'none'; style-src 'sha256-{digest}'; img-src 'none'; "
        "form-action 'none'; frame-ancestors 'none'; base-uri 'none'"
    )
    info = spec.get("info") or {}
    html = (
        _environment()
        .get_template("api_reference.html")
        .render(
            title=info.get("title", "API"),
            version=info.get("version", ""),
            openapi=spec.get("openapi", ""),
            operations=operations(spec),
            schemas=schemas(spec),
            css=css,
        )
    )
    return html, csp
