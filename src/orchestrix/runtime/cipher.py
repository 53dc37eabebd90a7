"""Encryption at rest for secrets: server secrets and JWT signing keys.

Values are encrypted with Fernet (AES-128-CBC and HMAC-SHA256, from ``cryptography``) under a
key derived from ``ORCHESTRIX_ENCRYPTION_KEY``, as n8n does with its encryption key. Unset, a
random key is generated once into ``encryption.key`` in the data directory (mode 0600), which
suits the embedded default; with ``ORCHESTRIX_REQUIRE_ENCRYPTION_KEY`` (production) a missing
key refuses to start instead. A row of the database alone therefore never gives a value back:
the key lives outside the database.

Stored text is ``fernet:`` followed by the Fernet token, so an old plain-text value (written
before encryption) is told apart and re-encrypted on first read.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import os
import secrets
import threading
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken

from orchestrix.errors import ConfigurationError
from orchestrix.settings import Settings

PREFIX = "fernet:"
KEY_FILE = "encryption.key"
_CONTEXT = b"orchestrix-secrets-v1:"


def _fernet_key(material: str) -> bytes:
    """A Fernet key from any text: SHA-256 of a fixed context and the text."""
    digest = hashlib.sha256(_CONTEXT + material.encode("utf-8")).digest()
    return base64.urlsafe_b64encode(digest)


def _key_file(data_dir: Path) -> str:
    """The generated key of ``data_dir``, created once (atomically, 0600) when missing."""
    path = data_dir / KEY_FILE
    try:
        return path.read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        pass
    data_dir.mkdir(parents=True, exist_ok=True)
    tmp = data_dir / f".{KEY_FILE}.{os.getpid()}.{secrets.token_hex(4)}"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        os.write(fd, secrets.token_urlsafe(32).encode())
    finally:
        os.close(fd)
    try:
        os.link(tmp, path)  # atomic; fails when another process linked its key first
    except FileExistsError:
        pass
    finally:
        with contextlib.suppress(OSError):
            tmp.unlink()
    return path.read_text(encoding="utf-8").strip()


class SecretCipher:
    """Encrypts and decrypts secret values; the key is loaded on first use."""

    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self._fernet: Fernet | None = None
        self._lock = threading.Lock()

    @classmethod
    def from_key(cls, key: str, settings: Settings | None = None) -> SecretCipher:
        cipher = cls(settings or Settings())
        cipher._fernet = Fernet(_fernet_key(key))
        return cipher

    def _load(self) -> Fernet:
        if self._fernet is not None:
            return self._fernet
        with self._lock:
            if self._fernet is None:
                self._fernet = Fernet(_fernet_key(self._material()))
        return self._fernet

    def _material(self) -> str:
        configured = self._settings.encryption_key
        if configured is not None and configured.get_secret_value():
            return configured.get_secret_value()
        if self._settings.require_encryption_key:
            raise ConfigurationError(
                "ORCHESTRIX_ENCRYPTION_KEY is required (ORCHESTRIX_REQUIRE_ENCRYPTION_KEY is set)"
            )
        try:
            return _key_file(self._settings.data_dir)
        except OSError as e:
            raise ConfigurationError(
                f"Cannot keep the encryption key in {self._settings.data_dir}: "
                f"{e.strerror or e} (set ORCHESTRIX_ENCRYPTION_KEY)"
            ) from e

    def check(self) -> None:
        """Load the key now (a missing required key fails at start, not on first use)."""
        self._load()

    def encrypt(self, value: str) -> str:
        token = self._load().encrypt(value.encode("utf-8", "surrogatepass"))
        return PREFIX + token.decode("ascii")

    @staticmethod
    def is_encrypted(stored: str) -> bool:
        return stored.startswith(PREFIX)

    def decrypt(self, stored: str) -> str:
        if not self.is_encrypted(stored):
            raise ConfigurationError("A stored secret is not encrypted")
        try:
            plain = self._load().decrypt(stored[len(PREFIX) :].encode("ascii"))
        except (InvalidToken, ValueError) as e:
            raise ConfigurationError(
                "A stored secret cannot be decrypted with this encryption key "
                "(ORCHESTRIX_ENCRYPTION_KEY, or encryption.key in the data directory)"
            ) from e
        return plain.decode("utf-8", "surrogatepass")
