"""The expression language of ``{{ ... }}`` references and ``when`` guards.

A small, closed language: literals, dotted paths into the run's context (``input``, ``steps``,
``headers``), indexing, arithmetic, comparisons, boolean logic, ``??`` and a fixed table of
functions. Expressions are parsed once into Python closures and evaluated many times. Nothing
reaches Python objects: paths only read keys of dicts and items of lists; there is no attribute
access, no ``eval``, no template engine. A path that runs into a missing key or ``null`` yields
``null`` instead of failing, so optional fields read naturally.

See docs/expressions.md for the language as users see it.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from orchestrix.spec import budget
from orchestrix.spec.functions import FUNCTIONS, contains, slugify
from orchestrix.spec.values import MAX_STRING, ExpressionError, ExpressionEvalError
from orchestrix.spec.values import is_number as _is_number
from orchestrix.spec.values import stringify as _stringify
from orchestrix.spec.values import type_name as _type_name

#: Longest expression source accepted, and deepest nesting: bounds on parse time and stack use.
MAX_SOURCE = 4096
MAX_DEPTH = 48

Functions = Mapping[str, Callable[..., Any]]
Scope = Mapping[str, Any]
_Fn = Callable[[Scope, Functions], Any]

# --- tokens -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Token:
    kind: str  # num, str, name, op, end
    value: Any
    pos: int


_TOKEN_RE = re.compile(
    r"""
    (?P<ws>\s+)
  | (?P<num>\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)
  | (?P<name>[A-Za-z_$][A-Za-z0-9_$]*)
  | (?P<op>\?\?|==|!=|<=|>=|&&|\|\||[-+*/%<>!().,\[\]])
  | (?P<quote>['"])
    """,
    re.VERBOSE,
)
_ESCAPES = {
    "n": "\n",
    "t": "\t",
    "r": "\r",
    "b": "\b",
    "f": "\f",
    "/": "/",
    "\\": "\\",
    "'": "'",
    '"': '"',
    "0": "\0",
}
_KEYWORD_OPS = {"and", "or", "not", "in"}
_LITERALS = {"true": True, "false": False, "null": None}


def _read_string(source: str, start: int) -> tuple[str, int]:
    quote = source[start]
    out: list[str] = []
    i = start + 1
    while i < len(source):
        ch = source[i]
        if ch == quote:
            text = "".join(out)
            if any("\ud800" <= c <= "\udfff" for c in text):  # \u escapes of a surrogate pair
                text = text.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
            return text, i + 1
        if ch == "\\":
            nxt = source[i + 1 : i + 2]
            if nxt == "u" and re.fullmatch(r"[0-9a-fA-F]{4}", source[i + 2 : i + 6]):
                out.append(chr(int(source[i + 2 : i + 6], 16)))
                i += 6
                continue
            if nxt in _ESCAPES:
                out.append(_ESCAPES[nxt])
                i += 2
                continue
            raise ExpressionError("unknown escape in a string", source, i)
        out.append(ch)
        i += 1
    raise ExpressionError("unterminated string", source, start)


def _tokenize(source: str) -> list[_Token]:
    tokens: list[_Token] = []
    i = 0
    while i < len(source):
        m = _TOKEN_RE.match(source, i)
        if m is None:
            raise ExpressionError(f"unexpected character {source[i]!r}", source, i)
        kind = m.lastgroup
        if kind == "ws":
            i = m.end()
            continue
        if kind == "quote":
            text, i = _read_string(source, i)
            tokens.append(_Token("str", text, m.start()))
            continue
        text = m.group()
        if kind == "num":
            value: Any = float(text) if any(c in text for c in ".eE") else int(text)
            if isinstance(value, float) and not math.isfinite(value):
                raise ExpressionError("number out of range", source, m.start())
            tokens.append(_Token("num", value, m.start()))
        elif kind == "name" and text in _KEYWORD_OPS:
            tokens.append(_Token("op", text, m.start()))
        else:
            tokens.append(_Token(kind or "op", text, m.start()))
        i = m.end()
    tokens.append(_Token("end", None, len(source)))
    return tokens


# --- the parser: recursive descent into closures ------------------------------------------

_Ref = tuple[str | int, ...]


@dataclass(slots=True)
class _Node:
    fn: _Fn
    #: set for a literal: its value (lets paths index with constants and lets us fold).
    const: Any = None
    is_const: bool = False
    #: set for a path: the root name and literal segments.
    path: _Ref | None = None


def _const(value: Any) -> _Node:
    return _Node(lambda _s, _f: value, const=value, is_const=True)


def _get(value: Any, key: Any) -> Any:
    """One step of a path: dict key or list index; anything else is ``null``."""
    if isinstance(value, dict):
        if isinstance(key, str):
            return value.get(key)
        return value.get(_stringify(key)) if _is_number(key) else None
    if (
        isinstance(value, list)
        and isinstance(key, int)
        and not isinstance(key, bool)
        and -len(value) <= key < len(value)
    ):
        return value[key]
    return None


def _compare(op: str, a: Any, b: Any) -> bool:
    if a is None or b is None:
        return False
    if (_is_number(a) and _is_number(b)) or (isinstance(a, str) and isinstance(b, str)):
        if op == "<":
            return bool(a < b)
        if op == "<=":
            return bool(a <= b)
        if op == ">":
            return bool(a > b)
        return bool(a >= b)
    raise ExpressionEvalError(f"cannot compare {_type_name(a)} with {_type_name(b)} using {op}")


def _add(a: Any, b: Any) -> Any:
    if _is_number(a) and _is_number(b):
        return a + b
    budget.check()
    if isinstance(a, list) and isinstance(b, list):
        if len(a) + len(b) > budget.MAX_ITEMS:
            raise ExpressionEvalError(f"list result is longer than {budget.MAX_ITEMS} items")
        return a + b
    if isinstance(a, str) or isinstance(b, str):
        left, right = _stringify(a), _stringify(b)
        if len(left) + len(right) > MAX_STRING:
            raise ExpressionEvalError(f"string result is longer than {MAX_STRING} characters")
        return left + right
    raise ExpressionEvalError(f"cannot add {_type_name(a)} and {_type_name(b)}")


def _arith(op: str, a: Any, b: Any) -> Any:
    if not (_is_number(a) and _is_number(b)):
        raise ExpressionEvalError(f"{op} needs numbers, got {_type_name(a)} and {_type_name(b)}")
    if op == "-":
        return a - b
    if op == "*":
        result = a * b
        if isinstance(result, float) and not math.isfinite(result):
            raise ExpressionEvalError("number out of range")
        if isinstance(result, int) and abs(result) > 10**100:
            raise ExpressionEvalError("number out of range")
        return result
    if b == 0:
        raise ExpressionEvalError("division by zero")
    if op == "/":
        result = a / b
        return int(result) if isinstance(a, int) and isinstance(b, int) and a % b == 0 else result
    return a % b


def _contains_op(needle: Any, haystack: Any) -> bool:
    return contains(haystack, needle)


class _Parser:
    def __init__(self, source: str) -> None:
        self.source = source
        self.tokens = _tokenize(source)
        self.i = 0
        self.depth = 0
        self.refs: list[_Ref] = []
        self.calls: set[str] = set()

    # helpers
    @property
    def tok(self) -> _Token:
        return self.tokens[self.i]

    def error(self, message: str, token: _Token | None = None) -> ExpressionError:
        t = token or self.tok
        return ExpressionError(message, self.source, t.pos)

    def accept(self, *ops: str) -> str | None:
        t = self.tok
        if t.kind == "op" and t.value in ops:
            self.i += 1
            return str(t.value)
        return None

    def expect(self, op: str) -> None:
        if self.accept(op) is None:
            found = "the end" if self.tok.kind == "end" else repr(self.tok.value)
            raise self.error(f"expected {op!r} but found {found}")

    def enter(self) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise self.error(f"expression nested deeper than {MAX_DEPTH} levels")

    # grammar
    def parse(self) -> _Node:
        if self.tok.kind == "end":
            raise self.error("empty expression")
        node = self.expr()
        if self.tok.kind != "end":
            raise self.error(f"unexpected {self.tok.value!r}")
        return node

    def expr(self) -> _Node:
        self.enter()
        try:
            return self.or_expr()
        finally:
            self.depth -= 1

    def or_expr(self) -> _Node:
        left = self.and_expr()
        while self.accept("or", "||"):
            right = self.and_expr()
            left = _Node(_or(left.fn, right.fn))
        return left

    def and_expr(self) -> _Node:
        left = self.not_expr()
        while self.accept("and", "&&"):
            right = self.not_expr()
            left = _Node(_and(left.fn, right.fn))
        return left

    def not_expr(self) -> _Node:
        if self.accept("not", "!"):
            self.enter()
            try:
                inner = self.not_expr()
            finally:
                self.depth -= 1
            f = inner.fn
            return _Node(lambda s, fs: not f(s, fs))
        return self.coalesce()

    def coalesce(self) -> _Node:
        left = self.comparison()
        while self.accept("??"):
            right = self.comparison()
            left = _Node(_coalesce_op(left.fn, right.fn))
        return left

    def comparison(self) -> _Node:
        left = self.additive()
        op = self.accept("==", "!=", "<", "<=", ">", ">=", "in")
        if op is None:
            if self.tok.kind == "op" and self.tok.value == "not":
                # "a not in b"
                save = self.i
                self.i += 1
                if self.accept("in"):
                    right = self.additive()
                    lf, rf = left.fn, right.fn
                    return _Node(lambda s, fs: not _contains_op(lf(s, fs), rf(s, fs)))
                self.i = save
            return left
        right = self.additive()
        lf, rf = left.fn, right.fn
        if op == "==":
            return _Node(lambda s, fs: _equal(lf(s, fs), rf(s, fs)))
        if op == "!=":
            return _Node(lambda s, fs: not _equal(lf(s, fs), rf(s, fs)))
        if op == "in":
            return _Node(lambda s, fs: _contains_op(lf(s, fs), rf(s, fs)))
        return _Node(lambda s, fs: _compare(op, lf(s, fs), rf(s, fs)))

    def additive(self) -> _Node:
        left = self.multiplicative()
        while op := self.accept("+", "-"):
            right = self.multiplicative()
            left = _Node(_binary(op, left.fn, right.fn))
        return left

    def multiplicative(self) -> _Node:
        left = self.unary()
        while op := self.accept("*", "/", "%"):
            right = self.unary()
            left = _Node(_binary(op, left.fn, right.fn))
        return left

    def unary(self) -> _Node:
        if self.accept("-"):
            self.enter()
            try:
                inner = self.unary()
            finally:
                self.depth -= 1
            f = inner.fn

            def neg(s: Scope, fs: Functions) -> Any:
                v = f(s, fs)
                if not _is_number(v):
                    raise ExpressionEvalError(f"cannot negate {_type_name(v)}")
                return -v

            if inner.is_const and _is_number(inner.const):
                return _const(-inner.const)
            return _Node(neg)
        return self.postfix()

    def postfix(self) -> _Node:
        node = self.primary()
        segments: list[str | int] | None = list(node.path) if node.path else None
        steps: list[_Fn | str | int] = []  # literal keys, or closures for computed indexes
        while True:
            if self.accept("."):
                t = self.tok
                if t.kind != "name" and not (t.kind == "op" and t.value in _KEYWORD_OPS):
                    raise self.error("expected a field name after '.'")
                self.i += 1
                key: str | int = str(t.value)
                steps.append(key)
                if segments is not None:
                    segments.append(key)
            elif self.accept("["):
                index = self.expr()
                self.expect("]")
                if (
                    index.is_const
                    and isinstance(index.const, str | int)
                    and not isinstance(index.const, bool)
                ):
                    steps.append(index.const)
                    if segments is not None:
                        segments.append(index.const)
                else:
                    steps.append(index.fn)
                    if segments is not None:
                        self.refs.append(tuple(segments))
                        segments = None
            else:
                break
        if node.path is not None:
            # Replace the bare root reference by the full path.
            self.refs.remove(node.path)
            if segments is not None:
                self.refs.append(tuple(segments))
        if not steps:
            return node
        base = node.fn
        if all(not callable(st) for st in steps):
            keys = tuple(steps)

            def walk(s: Scope, fs: Functions) -> Any:
                value = base(s, fs)
                for k in keys:
                    value = _get(value, k)
                    if value is None:
                        return None
                return value

            return _Node(walk)
        frozen = tuple(steps)

        def walk_dynamic(s: Scope, fs: Functions) -> Any:
            value = base(s, fs)
            for st in frozen:
                k = st(s, fs) if callable(st) else st
                value = _get(value, k)
                if value is None:
                    return None
            return value

        return _Node(walk_dynamic)

    def primary(self) -> _Node:
        t = self.tok
        if t.kind in ("num", "str"):
            self.i += 1
            return _const(t.value)
        if t.kind == "name":
            self.i += 1
            name = str(t.value)
            if name in _LITERALS:
                return _const(_LITERALS[name])
            if self.accept("("):
                return self.call(name)
            ref: _Ref = (name,)
            self.refs.append(ref)
            return _Node(lambda s, _fs: s.get(name), path=ref)
        if self.accept("("):
            node = self.expr()
            self.expect(")")
            return _Node(node.fn, const=node.const, is_const=node.is_const)
        if self.accept("["):
            items: list[_Node] = []
            if not self.accept("]"):
                while True:
                    items.append(self.expr())
                    if self.accept("]"):
                        break
                    self.expect(",")
            if all(item.is_const for item in items):
                values = [item.const for item in items]
                return _Node(lambda _s, _fs: list(values))
            fns = [item.fn for item in items]

            def build(s: Scope, fs: Functions) -> list[Any]:
                budget.check()
                return [f(s, fs) for f in fns]

            return _Node(build)
        if t.kind == "end":
            raise self.error("the expression ends too early")
        raise self.error(f"unexpected {t.value!r}")

    def call(self, name: str) -> _Node:
        args: list[_Node] = []
        if not self.accept(")"):
            while True:
                args.append(self.expr())
                if self.accept(")"):
                    break
                self.expect(",")
        self.calls.add(name)
        fns = tuple(a.fn for a in args)

        def invoke(s: Scope, fs: Functions) -> Any:
            fn = fs.get(name)
            if fn is None:
                raise ExpressionEvalError(f"unknown function {name}()")
            budget.check()
            values = [f(s, fs) for f in fns]
            try:
                return fn(*values)
            except ExpressionError:
                raise
            except TypeError as e:
                raise ExpressionEvalError(f"{name}() got the wrong arguments") from e
            except (ValueError, ArithmeticError, OverflowError) as e:
                raise ExpressionEvalError(f"{name}() failed: {e}") from e

        return _Node(invoke)


def _equal(a: Any, b: Any) -> bool:
    if isinstance(a, bool) != isinstance(b, bool):
        return False
    return bool(a == b)


def _binary(op: str, lf: _Fn, rf: _Fn) -> _Fn:
    if op == "+":
        return lambda s, fs: _add(lf(s, fs), rf(s, fs))
    return lambda s, fs: _arith(op, lf(s, fs), rf(s, fs))


def _or(lf: _Fn, rf: _Fn) -> _Fn:
    return lambda s, fs: lf(s, fs) or rf(s, fs)


def _and(lf: _Fn, rf: _Fn) -> _Fn:
    return lambda s, fs: lf(s, fs) and rf(s, fs)


def _coalesce_op(lf: _Fn, rf: _Fn) -> _Fn:
    def fn(s: Scope, fs: Functions) -> Any:
        value = lf(s, fs)
        return rf(s, fs) if value is None else value

    return fn


class Expression:
    """A parsed expression: evaluate it against a context many times."""

    __slots__ = ("_calls", "_fn", "_refs", "source")

    def __init__(self, source: str) -> None:
        if not isinstance(source, str):
            raise ExpressionError("an expression must be text")
        if len(source) > MAX_SOURCE:
            raise ExpressionError(
                f"expression is longer than {MAX_SOURCE} characters", source[:40] + "...", None
            )
        parser = _Parser(source)
        node = parser.parse()
        self.source = source
        self._fn = node.fn
        self._refs = tuple(dict.fromkeys(parser.refs))
        self._calls = frozenset(parser.calls)

    def evaluate(self, context: Scope, functions: Functions | None = None) -> Any:
        try:
            return self._fn(context, FUNCTIONS if functions is None else functions)
        except ExpressionEvalError as e:
            if e.source:
                raise
            raise ExpressionEvalError(e.reason, self.source) from None
        except RecursionError:
            raise ExpressionEvalError("expression too deep to evaluate", self.source) from None

    def references(self) -> tuple[_Ref, ...]:
        """Paths read by the expression, as ``("steps", "dbInsert", "id")`` tuples."""
        return self._refs

    def functions_called(self) -> frozenset[str]:
        return self._calls

    def __repr__(self) -> str:
        return f"Expression({self.source!r})"


@lru_cache(maxsize=4096)
def _parsed(source: str) -> Expression:
    """Parse once per distinct source: the static checks, the executor and the MCP side all
    compile the same spec, and an :class:`Expression` never changes once parsed."""
    return Expression(source)


def parse(source: str) -> Expression:
    return _parsed(source) if isinstance(source, str) else Expression(source)


def parse_guard(source: str) -> Expression:
    """A ``when`` guard: a bare expression, or one wrapped in ``{{ }}``."""
    text = source.strip()
    if text.startswith("{{") and text.endswith("}}") and text.count("{{") == 1:
        text = text[2:-2].strip()
    if not text:
        raise ExpressionError("empty guard expression", source, 0)
    return _parsed(text)


# --- templates: config values with {{ }} inside --------------------------------------------

_Loc = tuple[str | int, ...]


def is_template(value: Any) -> bool:
    return isinstance(value, str) and "{{" in value


def _split_template(text: str) -> list[str | Expression]:
    parts: list[str | Expression] = []
    i = 0
    while True:
        start = text.find("{{", i)
        if start < 0:
            if i < len(text):
                parts.append(text[i:])
            return parts
        end = text.find("}}", start + 2)
        if end < 0:
            raise ExpressionError("'{{' without a closing '}}'", text, start)
        if start > i:
            parts.append(text[i:start])
        inner = text[start + 2 : end].strip()
        if not inner:
            raise ExpressionError("empty '{{ }}'", text, start)
        try:
            parts.append(_parsed(inner))
        except ExpressionError as e:
            raw = text[start + 2 : end]
            offset = start + 2 + len(raw) - len(raw.lstrip())
            pos = None if e.position is None else offset + e.position
            raise ExpressionError(e.reason, text, pos) from None
        i = end + 2


_Render = Callable[[Scope, Functions], Any]


class Template:
    """A config value (any JSON) whose strings may hold ``{{ }}`` expressions.

    A string that is exactly one ``{{ expr }}`` renders to the expression's value, keeping its
    type; text around expressions interpolates them as text.
    """

    __slots__ = ("_exprs", "_render", "value")

    def __init__(self, value: Any) -> None:
        self.value = value
        self._exprs: list[tuple[_Loc, Expression]] = []
        self._render = self._compile(value, ())

    @property
    def is_static(self) -> bool:
        return not self._exprs

    def expressions(self) -> list[tuple[_Loc, Expression]]:
        return list(self._exprs)

    def render(self, scope: Scope, functions: Functions | None = None) -> Any:
        fs = FUNCTIONS if functions is None else functions
        try:
            return self._render(scope, fs)
        except RecursionError:
            raise ExpressionEvalError("value too deep to render") from None

    def _compile(self, value: Any, loc: _Loc) -> _Render:
        if isinstance(value, str):
            if "{{" not in value:
                return lambda _s, _f: value
            parts = _split_template(value)
            for p in parts:
                if isinstance(p, Expression):
                    self._exprs.append((loc, p))
            exprs = [p for p in parts if isinstance(p, Expression)]
            if len(exprs) == 1 and all(isinstance(p, Expression) or not p.strip() for p in parts):
                only = exprs[0]
                return lambda s, fs: only.evaluate(s, fs)

            def interpolate(s: Scope, fs: Functions) -> str:
                pieces = []
                total = 0
                for p in parts:
                    piece = p if isinstance(p, str) else _stringify(p.evaluate(s, fs))
                    total += len(piece)
                    if total > MAX_STRING:
                        raise ExpressionEvalError(
                            f"text result is longer than {MAX_STRING} characters"
                        )
                    pieces.append(piece)
                return "".join(pieces)

            return interpolate
        if isinstance(value, dict):
            before = len(self._exprs)
            children = [(k, self._compile(v, (*loc, k))) for k, v in value.items()]
            if len(self._exprs) == before:
                return lambda _s, _f: value
            return lambda s, fs: {k: child(s, fs) for k, child in children}
        if isinstance(value, list):
            before = len(self._exprs)
            items = [self._compile(v, (*loc, i)) for i, v in enumerate(value)]
            if len(self._exprs) == before:
                return lambda _s, _f: value
            return lambda s, fs: [item(s, fs) for item in items]
        return lambda _s, _f: value


def compile_template(value: Any) -> Template:
    return Template(value)


def iter_references(value: Any) -> Iterator[_Ref]:
    """Every path a config value's expressions read."""
    for _, expr in compile_template(value).expressions():
        yield from expr.references()


__all__ = [
    "FUNCTIONS",
    "Expression",
    "ExpressionError",
    "ExpressionEvalError",
    "Template",
    "compile_template",
    "is_template",
    "iter_references",
    "parse",
    "parse_guard",
    "slugify",
]
