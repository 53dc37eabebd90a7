"""The one ISO time format and the one loopback check."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from orchestrix.net import is_loopback
from orchestrix.timefmt import iso_z

MOMENT = datetime(2026, 12, 1, 22, 51, 46, 123456, tzinfo=UTC)


def test_iso_z_is_utc_with_a_z() -> None:
    assert iso_z(MOMENT) == "2026-12-01T22:51:46.123Z"
    assert iso_z(MOMENT, "microseconds") == "2026-12-01T22:51:46.123456Z"
    # naive is UTC (SQLite); another offset is converted
    assert iso_z(MOMENT.replace(tzinfo=None), "seconds") == "2026-12-01T22:51:46Z"
    plus_two = MOMENT.astimezone(timezone(timedelta(hours=2)))
    assert iso_z(plus_two) == "2026-12-01T22:51:46.123Z"
    # epoch seconds, as JWT claims and rate-limit resets are
    assert iso_z(0, "auto") == "1970-01-01T00:00:00Z"
    assert iso_z(None) is None


@pytest.mark.parametrize(
    ("host", "loopback"),
    [
        ("localhost", True),
        ("LOCALHOST", True),
        ("127.0.0.1", True),
        ("127.8.9.10", True),
        ("::1", True),
        ("[::1]", True),
        ("0.0.0.0", False),
        ("192.168.1.2", False),
        ("example.com", False),
        ("localhost.example.com", False),
        ("", False),
        (None, False),
    ],
)
def test_is_loopback(host: str | None, loopback: bool) -> None:
    assert is_loopback(host) is loopback
