"""Password hashing, in one place: argon2id with the parameters of the settings.

Hashing and verifying take tens of milliseconds to a second on purpose, so the async
functions run them in a worker thread, never on the event loop. Each set of parameters gets
one ``Passwords`` per process, built with its dummy hash at once (``prepare`` does that in a
thread when services open): a login for an unknown user is checked against the dummy hash, and
the first such login costs what every other one does, so timing does not tell whether an
account exists.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

import anyio.to_thread
from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError

from orchestrix.settings import Settings

_DUMMY_PASSWORD = "orchestrix-dummy-password"


@dataclass(frozen=True)
class Argon2Parameters:
    time_cost: int
    memory_cost: int
    parallelism: int

    @classmethod
    def of(cls, settings: Settings) -> Argon2Parameters:
        return cls(
            settings.argon2_time_cost, settings.argon2_memory_cost, settings.argon2_parallelism
        )


class Passwords:
    """An argon2id hasher and its dummy hash. The ``*_sync`` methods block: call them in a
    worker thread (the async ones do)."""

    def __init__(self, parameters: Argon2Parameters) -> None:
        self.parameters = parameters
        self._hasher = PasswordHasher(
            time_cost=parameters.time_cost,
            memory_cost=parameters.memory_cost,
            parallelism=parameters.parallelism,
            type=Type.ID,
        )
        self.dummy_hash = self._hasher.hash(_DUMMY_PASSWORD)

    def hash_sync(self, password: str) -> str:
        return self._hasher.hash(password)

    def verify_sync(self, hash_: str | None, password: str | None) -> bool:
        """Constant-time check; False for a mismatch, a missing or a malformed hash. Without a
        hash the password is still checked, against the dummy hash, to take the same time."""
        if not hash_:
            self._check(self.dummy_hash, password or "")
            return False
        return self._check(hash_, password or "")

    def _check(self, hash_: str, password: str) -> bool:
        try:
            return bool(self._hasher.verify(hash_, password))
        except (VerificationError, InvalidHashError):
            return False

    async def hash(self, password: str) -> str:
        return await anyio.to_thread.run_sync(self.hash_sync, password)

    async def verify(self, hash_: str | None, password: str | None) -> bool:
        return await anyio.to_thread.run_sync(self.verify_sync, hash_, password)


_made: dict[Argon2Parameters, Passwords] = {}
_making = threading.Lock()


def passwords_for(settings: Settings) -> Passwords:
    """The process's ``Passwords`` for these settings' parameters. Blocks while a first one is
    built (one hash): in async code use ``prepare``."""
    parameters = Argon2Parameters.of(settings)
    found = _made.get(parameters)
    if found is not None:
        return found
    with _making:
        if parameters not in _made:
            _made[parameters] = Passwords(parameters)
        return _made[parameters]


async def prepare(settings: Settings) -> Passwords:
    """``passwords_for`` without blocking the event loop: a first build runs in a thread."""
    found = _made.get(Argon2Parameters.of(settings))
    if found is not None:
        return found
    return await anyio.to_thread.run_sync(passwords_for, settings)


__all__ = ["Argon2Parameters", "Passwords", "passwords_for", "prepare"]
