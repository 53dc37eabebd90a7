"""The expression language: parsing, evaluation, templates and the safety properties."""

from __future__ import annotations

import contextlib
import json
import re
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from orchestrix.spec.expressions import (
    FUNCTIONS,
    ExpressionError,
    ExpressionEvalError,
    compile_template,
    parse,
    parse_guard,
)

SCOPE: dict[str, Any] = {
    "input": {"email": "Ada@Example.com", "age": 36, "tags": ["a", "b"], "name": None},
    "steps": {"dbInsert": {"id": "u1", "items": [{"sku": "X1"}, {"sku": "X2"}]}},
    "headers": {"authorization": "Bearer abc"},
}


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("input.email", "Ada@Example.com"),
        ("lower(input.email)", "ada@example.com"),
        ("input.age + 1", 37),
        ("input.age / 4", 9),
        ("input.age / 8", 4.5),
        ("input.age % 5", 1),
        ("-input.age", -36),
        ("input.age >= 18 and input.age < 65", True),
        ("input.age > 100 or input.email == null", False),
        ("not (input.age > 100)", True),
        ("!true || false", False),
        ("input.name ?? 'anonymous'", "anonymous"),
        ("input.missing.deeper.still", None),
        ("input.tags[1]", "b"),
        ("input.tags[-1]", "b"),
        ("input.tags[5]", None),
        ("input['email']", "Ada@Example.com"),
        ("steps.dbInsert.items[1].sku", "X2"),
        ("steps.dbInsert.items[input.age - 35].sku", "X2"),
        ("'a' in input.tags", True),
        ("'z' not in input.tags", True),
        ("'Example' in input.email", True),
        ("'x' + input.age", "x36"),
        ("[1, 2] + [3]", [1, 2, 3]),
        ("len(input.tags) == 2", True),
        ("default(input.name, 'n/a')", "n/a"),
        ("coalesce(null, input.name, 3)", 3),
        ("concat('a', 1, true, null)", "a1true"),
        ("join(input.tags, '-')", "a-b"),
        ("split('a,b,c')", ["a", "b", "c"]),
        ("replace('a-b', '-', '+')", "a+b"),
        ("round(2.567, 2)", 2.57),
        ("round(2.5)", 2),
        ("max(input.age, 40)", 40),
        ("min([3, 1, 2])", 1),
        ("abs(-2)", 2),
        ("keys(steps.dbInsert)", ["id", "items"]),
        ("isEmpty(input.name) and not isEmpty(input.tags)", True),
        ("slugify('Hello, World!')", "hello-world"),
        ("int('42') + float('0.5')", 42.5),
        ("bool('false')", False),
        ("startsWith(headers.authorization, 'Bearer ')", True),
        ("endsWith(input.email, '.com')", True),
        ("str(input.tags)", '["a","b"]'),
        ('"tab\\there"', "tab\there"),
        ("'\\u00e9'", "é"),
        ("1 == true", False),
        ("null == null", True),
        ("input.name < 3", False),
    ],
)
def test_evaluates(source: str, expected: Any) -> None:
    assert parse(source).evaluate(SCOPE) == expected


def test_generated_values_have_their_shape() -> None:
    assert re.fullmatch(r"[0-9a-f-]{36}", parse("uuid()").evaluate({}))
    assert re.fullmatch(r"[A-Za-z0-9]{6}", parse("shortId(6)").evaluate({}))
    assert len(parse("randomToken(16)").evaluate({})) >= 16
    assert parse("now()").evaluate({}).endswith("Z")
    assert re.fullmatch(r"\d{4}-\d\d-\d\d", parse("today()").evaluate({}))
    assert isinstance(parse("timestamp()").evaluate({}), int)


@pytest.mark.parametrize(
    ("source", "position"),
    [("1 +", 3), ("a..b", 2), ("'abc", 0), ("f(1,", 4), ("(1", 2), ("a b", 2), ("#", 0), ("", 0)],
)
def test_syntax_errors_name_the_position(source: str, position: int) -> None:
    with pytest.raises(ExpressionError) as info:
        parse(source)
    assert info.value.position == position
    assert info.value.status == 422
    assert repr(source) in str(info.value)


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("1 / 0", "division by zero"),
        ("'a' < 1", "cannot compare string with number"),
        ("input.tags * 2", "needs numbers"),
        ("nosuch(1)", "unknown function nosuch()"),
        ("int('abc')", "int() cannot convert"),
        ("shortId(1000)", "shortId() takes a whole number"),
        ("lower()", "lower() got the wrong arguments"),
    ],
)
def test_evaluation_errors_are_expression_errors(source: str, message: str) -> None:
    with pytest.raises(ExpressionEvalError) as info:
        parse(source).evaluate(SCOPE)
    assert message in str(info.value)


def test_no_python_object_is_reachable() -> None:
    class Secret:
        password = "hunter2"

    scope = {"input": Secret(), "steps": {"x": "text"}}
    assert parse("input.password").evaluate(scope) is None
    assert parse("input.__class__").evaluate(scope) is None
    assert parse("steps.x.__class__").evaluate(scope) is None
    assert parse("steps.x.upper").evaluate(scope) is None
    with pytest.raises(ExpressionError):
        parse("__import__('os').system('true')").evaluate(scope)
    with pytest.raises(ExpressionError):
        parse("lambda: 1")


def test_references_and_functions_are_reported() -> None:
    expr = parse("lower(steps.find.email) == input.email and headers['x-key'] != steps.a[input.i]")
    assert set(expr.references()) == {
        ("steps", "find", "email"),
        ("input", "email"),
        ("headers", "x-key"),
        ("steps", "a"),
        ("input", "i"),
    }
    assert expr.functions_called() == {"lower"}


def test_guard_accepts_bare_and_wrapped() -> None:
    assert parse_guard("steps.user == null").evaluate({"steps": {}}) is True
    assert parse_guard("{{ steps.user == null }}").evaluate({"steps": {"user": {}}}) is False
    with pytest.raises(ExpressionError):
        parse_guard("{{ }}")


def test_template_keeps_types_and_interpolates() -> None:
    template = compile_template(
        {
            "count": "{{ input.age }}",
            "spaced": "  {{ input.tags }}  ",
            "text": "Hi {{ input.name }}, you are {{ input.age }} ({{ input.age > 30 }})",
            "list": ["{{ steps.dbInsert.id }}", 3, {"deep": "{{ input.tags[0] }}"}],
            "static": {"a": [1, 2]},
        }
    )
    assert not template.is_static
    assert template.render(SCOPE) == {
        "count": 36,
        "spaced": ["a", "b"],
        "text": "Hi , you are 36 (true)",
        "list": ["u1", 3, {"deep": "a"}],
        "static": {"a": [1, 2]},
    }
    locations = [loc for loc, _ in template.expressions()]
    assert ("list", 2, "deep") in locations
    assert compile_template({"a": 1, "b": ["x"]}).is_static


@pytest.mark.parametrize("text", ["{{ 1 ", "{{}}", "a {{ 1 + }} b", "{{ 'x }}"])
def test_bad_templates_are_spec_errors(text: str) -> None:
    with pytest.raises(ExpressionError):
        compile_template({"value": text})


def test_template_functions_can_be_extended() -> None:
    functions = {**FUNCTIONS, "double": lambda x: x * 2}
    assert compile_template("{{ double(input.age) }}").render(SCOPE, functions) == 72


def test_limits_are_errors_not_hangs() -> None:
    with pytest.raises(ExpressionError, match="longer than"):
        parse("1 + " * 2000 + "1")
    with pytest.raises(ExpressionError, match="nested deeper"):
        parse("(" * 100 + "1" + ")" * 100)
    with pytest.raises(ExpressionError, match="out of range"):
        parse(
            "100000000000000000000 * 100000000000000000000 * 100000000000000000000"
            " * 100000000000000000000 * 100000000000000000000 * 100000000000000000000"
        ).evaluate({})


# --- properties -----------------------------------------------------------------------------

json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(10**6), 10**6) | st.text(max_size=8),
    lambda children: (
        st.lists(children, max_size=3)
        | st.dictionaries(st.text("abc", min_size=1, max_size=3), children, max_size=3)
    ),
    max_leaves=12,
)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=60))
def test_any_text_parses_or_fails_with_an_expression_error(source: str) -> None:
    try:
        expr = parse(source)
    except ExpressionError:
        return
    with contextlib.suppress(ExpressionError):
        expr.evaluate({"input": {"a": 1}, "steps": {}, "headers": {}})


_TOKENS = [
    "input",
    "steps",
    ".",
    "a",
    "b",
    "[",
    "]",
    "0",
    "1",
    "'x'",
    "+",
    "-",
    "*",
    "/",
    "%",
    "==",
    "<",
    "and",
    "or",
    "not",
    "??",
    "(",
    ")",
    ",",
    "len",
    "null",
    "true",
    "in",
]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(_TOKENS), min_size=1, max_size=14), json_values)
def test_token_soup_never_crashes(tokens: list[str], value: Any) -> None:
    source = " ".join(tokens)
    try:
        expr = parse(source)
        expr.evaluate({"input": value, "steps": {"a": value}})
    except ExpressionError:
        pass


@settings(max_examples=200, deadline=None)
@given(json_values)
def test_a_single_reference_returns_the_value_itself(value: Any) -> None:
    assert compile_template("{{ input.v }}").render({"input": {"v": value}}) == value
    assert compile_template({"k": ["{{ input.v }}"]}).render({"input": {"v": value}}) == {
        "k": [value]
    }


@settings(max_examples=200, deadline=None)
@given(st.integers(-(10**9), 10**9), st.integers(-(10**9), 10**9))
def test_arithmetic_matches_python(a: int, b: int) -> None:
    scope = {"input": {"a": a, "b": b}}
    assert parse("input.a + input.b").evaluate(scope) == a + b
    assert parse("input.a - input.b * 2").evaluate(scope) == a - b * 2
    assert parse("input.a < input.b").evaluate(scope) == (a < b)
    if b:
        assert parse("input.a % input.b").evaluate(scope) == a % b


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=30))
def test_string_literals_round_trip(text: str) -> None:
    assert parse(json.dumps(text)).evaluate({}) == text
