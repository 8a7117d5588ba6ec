"""Conditions in strategy files: parsed by rule-engine, evaluated as Polars expressions.

rule-engine gives a maintained, safe grammar (no eval) with type checking against
the known features; its syntax tree is translated here to a Polars expression so a
condition is evaluated over all customers at once.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import polars as pl
import rule_engine
import rule_engine.ast as ast
import rule_engine.errors

_NUMBER = rule_engine.DataType.FLOAT
_STRING = rule_engine.DataType.STRING

FEATURES: dict[str, Any] = {
    "kind": _STRING,
    "country": _STRING,
    "language": _STRING,
    "currency": _STRING,
    "segment": _STRING,
    "tags": rule_engine.DataType.ARRAY(_STRING),
    "open_total": _NUMBER,
    "overdue_total": _NUMBER,
    "oldest_days_overdue": _NUMBER,
    "invoice_count": _NUMBER,
    "overdue_count": _NUMBER,
    "avg_days_late": _NUMBER,
    "on_time_ratio": _NUMBER,
    "paid_count": _NUMBER,
    "disputes_open": _NUMBER,
    "broken_promises": _NUMBER,
    "risk": _NUMBER,
}
"""Features a condition may name, with their types (amounts in currency units)."""


class ConditionError(ValueError):
    """A condition that does not parse, names an unknown feature or uses a bad type."""


_CONTEXT: rule_engine.Context | None = None


def _context() -> rule_engine.Context:
    global _CONTEXT
    if _CONTEXT is None:
        _CONTEXT = rule_engine.Context(type_resolver=rule_engine.type_resolver_from_dict(FEATURES))
    return _CONTEXT


def parse_condition(text: str) -> ast.Statement:
    """Parse and type-check a condition; raise ConditionError with a readable reason."""
    try:
        rule = rule_engine.Rule(text, context=_context())
    except rule_engine.errors.SymbolResolutionError as exc:
        raise ConditionError(
            f"unknown feature {exc.symbol_name!r} (known: {', '.join(sorted(FEATURES))})"
        ) from exc
    except rule_engine.errors.RuleSyntaxError as exc:
        where = f" near {exc.token.value!r}" if getattr(exc, "token", None) else ""
        raise ConditionError(f"syntax error in {text!r}{where}") from exc
    except rule_engine.errors.EngineError as exc:
        raise ConditionError(f"{text!r}: {exc.message}") from exc
    statement = rule.statement
    to_polars(statement.expression)
    return statement


def compile_condition(text: str | None) -> pl.Expr:
    """A boolean Polars expression for a condition (true when there is none)."""
    if text is None or not text.strip():
        return pl.lit(True)
    return to_polars(parse_condition(text).expression).fill_null(False)


_COMPARE = {
    "eq": lambda a, b: a == b,
    "ne": lambda a, b: a != b,
    "gt": lambda a, b: a > b,
    "ge": lambda a, b: a >= b,
    "lt": lambda a, b: a < b,
    "le": lambda a, b: a <= b,
}
_ARITHMETIC = {
    "add": lambda a, b: a + b,
    "sub": lambda a, b: a - b,
    "mul": lambda a, b: a * b,
    "tdiv": lambda a, b: a / b,
    "fdiv": lambda a, b: (a / b).floor(),
    "mod": lambda a, b: a % b,
}


def _literal(value: Any) -> pl.Expr:
    if isinstance(value, Decimal):
        return pl.lit(float(value))
    return pl.lit(value)


def to_polars(node: ast.ExpressionBase) -> pl.Expr:
    """Translate a rule-engine syntax tree node to a Polars expression."""
    if isinstance(node, ast.SymbolExpression):
        return pl.col(node.name)
    if isinstance(node, ast.FloatExpression | ast.StringExpression | ast.BooleanExpression):
        return _literal(node.value)
    if isinstance(node, ast.NullExpression):
        return pl.lit(None)
    if isinstance(node, ast.LogicExpression):
        left, right = to_polars(node.left), to_polars(node.right)
        return left & right if node.type == "and" else left | right
    if isinstance(node, ast.UnaryExpression):
        inner = to_polars(node.right)
        return ~inner if node.type == "not" else -inner
    if isinstance(node, ast.ComparisonExpression | ast.ArithmeticComparisonExpression):
        if node.type in _COMPARE:
            return _COMPARE[node.type](to_polars(node.left), to_polars(node.right))
    if isinstance(node, ast.ArithmeticExpression | ast.AddExpression | ast.SubtractExpression):
        if node.type in _ARITHMETIC:
            return _ARITHMETIC[node.type](to_polars(node.left), to_polars(node.right))
    if isinstance(node, ast.ContainsExpression):
        container, member = node.container, node.member
        if isinstance(container, ast.ArrayExpression):
            values = [_plain(v) for v in container.value]
            return to_polars(member).is_in(values)
        if isinstance(container, ast.SymbolExpression):
            if isinstance(member, ast.StringExpression):
                return pl.col(container.name).list.contains(member.value)
            raise ConditionError("only a text literal can be looked up in a list feature")
        if isinstance(container, ast.StringExpression):
            return pl.lit(container.value).str.contains(to_polars(member), literal=True)
    raise ConditionError(f"{type(node).__name__.removesuffix('Expression')} is not supported here")


def _plain(node: ast.ExpressionBase) -> Any:
    if isinstance(node, ast.FloatExpression):
        return float(node.value)
    if isinstance(node, ast.StringExpression | ast.BooleanExpression):
        return node.value
    raise ConditionError("a list in a condition may hold only numbers and texts")
