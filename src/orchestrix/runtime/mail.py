"""Mail for ``sendEmail``: SMTP when a server is configured, else the local outbox.

The outbox (table ``orx_outbox``) makes a contact form work on a fresh machine: messages are
kept in the database and listed by ``orchestrix outbox``. SMTP failures become
``UpstreamError`` (502) naming the server; the password never appears in a message.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from typing import Any

import aiosmtplib
from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncEngine

from orchestrix.errors import UpstreamError, ValidationFailed
from orchestrix.runtime.database import outbox
from orchestrix.runtime.datastore import iso
from orchestrix.runtime.egress import EgressPolicy
from orchestrix.settings import Settings
from orchestrix.tools.base import EmailMessageData, Mailer


def _check(message: EmailMessageData) -> None:
    if not message.to:
        raise ValidationFailed("An email needs at least one recipient", {"field": "to"})
    for field, values in (("to", message.to), ("cc", message.cc)):
        for address in values:
            if not isinstance(address, str) or "@" not in address:
                raise ValidationFailed(
                    f"Not an email address: {address!r}", {"field": field, "value": address}
                )


def build_email(message: EmailMessageData, default_sender: str) -> EmailMessage:
    """The MIME message: plain text, plus an HTML alternative when given."""
    _check(message)
    sender = message.sender or default_sender
    email = EmailMessage()
    try:
        email["From"] = sender
        email["To"] = ", ".join(message.to)
        if message.cc:
            email["Cc"] = ", ".join(message.cc)
        if message.reply_to:
            email["Reply-To"] = message.reply_to
        email["Subject"] = message.subject
        email["Date"] = formatdate(localtime=False, usegmt=True)
        domain = sender.rpartition("@")[2].strip("> ") or "orchestrix.local"
        email["Message-ID"] = make_msgid(domain=domain)
    except (ValueError, TypeError) as e:  # CR/LF in a header, a malformed address...
        raise ValidationFailed(f"Invalid email header: {e}", None) from e
    email.set_content(message.text)
    if message.html:
        email.add_alternative(message.html, subtype="html")
    return email


class OutboxMailer:
    """Keeps messages in the database instead of sending them."""

    def __init__(self, engine: AsyncEngine, default_sender: str) -> None:
        self.engine = engine
        self.default_sender = default_sender

    async def send(self, message: EmailMessageData) -> dict[str, Any]:
        _check(message)
        message_id = str(uuid.uuid4())
        async with self.engine.begin() as conn:
            await conn.execute(
                insert(outbox).values(
                    id=message_id,
                    namespace=message.namespace,
                    recipients=list(message.to),
                    cc=list(message.cc),
                    sender=message.sender or self.default_sender,
                    reply_to=message.reply_to,
                    subject=message.subject,
                    text=message.text,
                    html=message.html,
                    created_at=datetime.now(UTC),
                )
            )
        return {"messageId": message_id, "delivered": False, "via": "outbox"}


class SmtpMailer:
    """Sends through the configured SMTP server (aiosmtplib), one connection per message."""

    def __init__(self, settings: Settings) -> None:
        if not settings.smtp_host:
            raise ValueError("SmtpMailer needs settings.smtp_host")
        self.host = settings.smtp_host
        self.port = settings.smtp_port
        self.username = settings.smtp_username
        self._password = settings.smtp_password
        self.tls = settings.smtp_tls
        self.timeout = settings.smtp_timeout
        self.default_sender = settings.smtp_from
        self.egress = EgressPolicy.from_settings(settings)

    @property
    def server(self) -> str:
        return f"{self.host}:{self.port}"

    def _clean(self, text: str) -> str:
        """A server's answer as safe to show: one line, the password never in it."""
        secret = self._password.get_secret_value() if self._password else ""
        if secret:
            text = text.replace(secret, "***")
        return " ".join(text.split())

    async def send(self, message: EmailMessageData) -> dict[str, Any]:
        email = build_email(message, self.default_sender)
        try:
            # the egress policy resolves the host once and hands over a socket connected to
            # a checked address; TLS still verifies the certificate against ``self.host``
            sock = await self.egress.connect_socket(self.host, self.port, self.timeout)
        except TimeoutError:
            raise self._error(f"did not answer within {self.timeout:g} s") from None
        except OSError as e:
            raise self._error(f"could not be reached: {e}") from None
        try:
            refused, _ = await aiosmtplib.send(
                email,
                hostname=self.host,
                sock=sock,
                username=self.username,
                password=self._password.get_secret_value() if self._password else None,
                use_tls=self.tls == "tls",
                start_tls=self.tls == "starttls",
                timeout=self.timeout,
            )
        except aiosmtplib.SMTPRecipientsRefused as e:
            addresses = [r.recipient for r in e.recipients]
            raise self._error(
                f"refused every recipient ({', '.join(addresses)})",
                {"refused": addresses},
            ) from None
        except aiosmtplib.SMTPAuthenticationError as e:
            raise self._error(f"refused the login: {e.code} {e.message}") from None
        except aiosmtplib.SMTPSenderRefused as e:
            raise self._error(f"refused the sender {e.sender}: {e.code} {e.message}") from None
        except aiosmtplib.SMTPTimeoutError:
            raise self._error(f"did not answer within {self.timeout:g} s") from None
        except aiosmtplib.SMTPConnectError as e:
            raise self._error(f"could not be reached: {e}") from None
        except aiosmtplib.SMTPResponseException as e:
            raise self._error(f"answered {e.code} {e.message}") from None
        except (aiosmtplib.SMTPException, OSError) as e:
            raise self._error(f"failed: {type(e).__name__}: {e}") from None
        finally:
            sock.close()  # aiosmtplib closed its transport; this frees a socket it never took
        result: dict[str, Any] = {
            "messageId": email["Message-ID"],
            "delivered": True,
            "via": "smtp",
        }
        if refused:
            result["refused"] = sorted(refused)
        return result

    def _error(self, what: str, extra: dict[str, Any] | None = None) -> UpstreamError:
        # ``from None`` above: the chained exception could carry the login exchange.
        return UpstreamError(
            self._clean(f"SMTP server {self.server} {what}"),
            {"host": self.host, "port": self.port, **(extra or {})},
        )


def build_mailer(settings: Settings, engine: AsyncEngine) -> Mailer:
    """SMTP when ``ORCHESTRIX_SMTP_HOST`` is set, else the outbox in ``engine``'s database."""
    if settings.smtp_host:
        return SmtpMailer(settings)
    return OutboxMailer(engine, settings.smtp_from)


async def list_outbox(
    engine: AsyncEngine, namespace: str | None, limit: int
) -> list[dict[str, Any]]:
    """Messages kept in the outbox, newest first (all namespaces when ``namespace`` is None)."""
    stmt = select(outbox).order_by(outbox.c.created_at.desc(), outbox.c.id.desc())
    if namespace is not None:
        stmt = stmt.where(outbox.c.namespace == namespace)
    async with engine.connect() as conn:
        rows = (await conn.execute(stmt.limit(max(0, limit)))).all()
    return [
        {
            "id": r.id,
            "namespace": r.namespace,
            "to": list(r.recipients or []),
            "cc": list(r.cc or []),
            "from": r.sender,
            "replyTo": r.reply_to,
            "subject": r.subject,
            "text": r.text,
            "html": r.html,
            "createdAt": iso(r.created_at),
        }
        for r in rows
    ]


__all__ = ["OutboxMailer", "SmtpMailer", "build_email", "build_mailer", "list_outbox"]
