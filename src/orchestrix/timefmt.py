"""Time on the wire, in one place: ISO-8601 in UTC with a ``Z``.

Records of the data plane keep microseconds; deployments, telemetry and the host's answers
milliseconds (what JavaScript's ``Date`` keeps). A naive ``datetime`` is UTC (SQLite hands
those back); an ``int``/``float`` is seconds since the epoch.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Literal, overload

Timespec = Literal["auto", "seconds", "milliseconds", "microseconds"]


def utc_now() -> datetime:
    return datetime.now(UTC)


@overload
def iso_z(moment: datetime | float, timespec: Timespec = ...) -> str: ...
@overload
def iso_z(moment: None, timespec: Timespec = ...) -> None: ...
@overload
def iso_z(moment: datetime | float | None, timespec: Timespec = ...) -> str | None: ...


def iso_z(moment: datetime | float | None, timespec: Timespec = "milliseconds") -> str | None:
    """``2026-12-01T22:51:46.123Z``; None stays None."""
    if moment is None:
        return None
    if not isinstance(moment, datetime):
        moment = datetime.fromtimestamp(moment, UTC)
    elif moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat(timespec=timespec).replace("+00:00", "Z")


__all__ = ["Timespec", "iso_z", "utc_now"]
