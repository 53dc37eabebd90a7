"""The catalog as a whole: every tool registered, described and documented."""

from __future__ import annotations

from pathlib import Path

import pytest

from orchestrix.tools import get_tool, registry

DOCS = Path(__file__).resolve().parents[2] / "docs" / "tools.md"
CATALOG = [
    "input",
    "validation",
    "hashPassword",
    "verifyPassword",
    "dbInsert",
    "dbFind",
    "dbQuery",
    "dbUpdate",
    "dbDelete",
    "jwtGenerate",
    "jwtVerify",
    "httpRequest",
    "transform",
    "sendEmail",
    "rateLimit",
    "response",
]
WRITERS = {"dbInsert", "dbUpdate", "dbDelete", "sendEmail", "rateLimit", "httpRequest"}


def test_every_catalog_type_is_registered() -> None:
    assert set(registry()) >= set(CATALOG)


@pytest.mark.parametrize("type_name", CATALOG)
def test_each_tool_is_summarized_described_and_documented(type_name: str) -> None:
    cls = get_tool(type_name)
    assert cls is not None
    assert cls.summary, type_name
    schema = cls.config_schema()
    assert schema.get("additionalProperties") is False or not schema.get("properties")
    for name, prop in schema.get("properties", {}).items():
        assert prop.get("description"), f"{type_name}.{name} has no description"
    assert f"| `{type_name}` |" in DOCS.read_text()
    assert cls.read_only is (type_name not in WRITERS)
    assert cls.ends_run is (type_name == "response")


def test_config_keys_are_camel_case_on_the_wire() -> None:
    def keys(type_name: str) -> set[str]:
        cls = get_tool(type_name)
        assert cls is not None
        return set(cls.config_schema().get("properties", {}))

    assert {"failOnError", "timeout", "retries"} <= keys("httpRequest")
    assert {"set", "where", "unique"} <= keys("dbUpdate")
    assert {"from", "replyTo", "cc"} <= keys("sendEmail")
    assert {"expiresIn", "subject", "claims"} <= keys("jwtGenerate")
    assert {"schema", "rules"} <= keys("validation")
