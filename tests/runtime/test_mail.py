"""Mail: the outbox on SQLite and PostgreSQL, and SMTP against a real aiosmtpd on loopback."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from pydantic import SecretStr
from sqlalchemy.ext.asyncio import AsyncEngine

from orchestrix.errors import UpstreamError, ValidationFailed
from orchestrix.runtime.database import ensure_schema, make_engine
from orchestrix.runtime.mail import OutboxMailer, SmtpMailer, build_mailer, list_outbox
from orchestrix.settings import Settings
from orchestrix.tools.base import EmailMessageData
from tests.conftest import unique_namespace
from tests.factories import make_settings
from tests.servers import SmtpServer, free_port, smtp_server


@pytest.fixture
async def engine(any_settings: Settings) -> AsyncIterator[AsyncEngine]:
    engine = make_engine(any_settings.resolved_database_url)
    await ensure_schema(engine)
    yield engine
    await engine.dispose()


def _smtp_settings(tmp_path: Path, server: SmtpServer, **extra: object) -> Settings:
    return make_settings(
        tmp_path,
        smtp_host=server.host,
        smtp_port=server.port,
        smtp_from="noreply@orchestrix.dev",
        smtp_timeout=5,
        egress_allow=["127.0.0.1"],  # the SMTP peer is on loopback
        **extra,
    )


def _message(**overrides: object) -> EmailMessageData:
    fields: dict[str, object] = {
        "to": ["ada@example.com"],
        "subject": "Welcome",
        "text": "Hello Ada",
    }
    fields.update(overrides)
    return EmailMessageData(**fields)


# --- outbox -------------------------------------------------------------------------------


async def test_without_smtp_mail_goes_to_the_outbox(
    any_settings: Settings, engine: AsyncEngine
) -> None:
    mailer = build_mailer(any_settings, engine)
    assert isinstance(mailer, OutboxMailer)
    ns, other = unique_namespace(), unique_namespace()
    first = await mailer.send(_message(namespace=ns, subject="first", cc=["cc@example.com"]))
    second = await mailer.send(
        _message(
            namespace=ns,
            subject="second",
            html="<p>Hello</p>",
            sender="me@example.com",
            reply_to="desk@example.com",
        )
    )
    await mailer.send(_message(namespace=other, subject="elsewhere"))
    assert first == {"messageId": first["messageId"], "delivered": False, "via": "outbox"}

    listed = await list_outbox(engine, ns, 10)
    assert [m["subject"] for m in listed] == ["second", "first"]  # newest first
    assert listed[0] == {
        "id": second["messageId"],
        "namespace": ns,
        "to": ["ada@example.com"],
        "cc": [],
        "from": "me@example.com",
        "replyTo": "desk@example.com",
        "subject": "second",
        "text": "Hello Ada",
        "html": "<p>Hello</p>",
        "createdAt": listed[0]["createdAt"],
    }
    assert listed[0]["createdAt"].endswith("Z")
    assert listed[1]["from"] == any_settings.smtp_from
    assert listed[1]["cc"] == ["cc@example.com"]
    assert listed[1]["replyTo"] is None
    assert [m["subject"] for m in await list_outbox(engine, ns, 1)] == ["second"]
    everything = [m["subject"] for m in await list_outbox(engine, None, 1000)]
    assert {"first", "second", "elsewhere"} <= set(everything)


@pytest.mark.parametrize(
    ("message", "error"),
    [
        (_message(to=[]), "at least one recipient"),
        (_message(to=["not-an-address"]), "Not an email address"),
        (_message(cc=["nope"]), "Not an email address"),
    ],
)
async def test_bad_messages_are_refused_and_not_kept(
    any_settings: Settings, engine: AsyncEngine, message: EmailMessageData, error: str
) -> None:
    message.namespace = unique_namespace()
    with pytest.raises(ValidationFailed, match=error):
        await build_mailer(any_settings, engine).send(message)
    assert await list_outbox(engine, message.namespace, 10) == []


# --- SMTP ---------------------------------------------------------------------------------


async def test_smtp_delivers_to_a_real_server(settings: Settings, tmp_path: Path) -> None:
    with smtp_server() as server:
        engine = make_engine(f"sqlite+aiosqlite:///{tmp_path / 'unused.db'}")
        mailer = build_mailer(_smtp_settings(tmp_path, server), engine)
        await engine.dispose()
        assert isinstance(mailer, SmtpMailer)
        result = await mailer.send(
            _message(
                cc=["bob@example.com"],
                html="<p>Hello <b>Ada</b></p>",
                reply_to="desk@example.com",
            )
        )
        assert result["delivered"] is True
        assert result["via"] == "smtp"
        assert len(server.messages) == 1
        received = server.messages[0]
        assert received["Message-ID"] == result["messageId"]
        assert received["Subject"] == "Welcome"
        assert received["From"] == "noreply@orchestrix.dev"
        assert received["To"] == "ada@example.com"
        assert received["Cc"] == "bob@example.com"
        assert received["Reply-To"] == "desk@example.com"
        text = received.get_body(preferencelist=("plain",))
        html = received.get_body(preferencelist=("html",))
        assert text is not None and text.get_content().strip() == "Hello Ada"
        assert html is not None and "<b>Ada</b>" in html.get_content()
        mail_from, recipients = server.envelopes[0]
        assert mail_from == "noreply@orchestrix.dev"
        assert sorted(recipients) == ["ada@example.com", "bob@example.com"]


async def test_smtp_login(tmp_path: Path) -> None:
    with smtp_server(login=("mailer", "s3cret-pw")) as server:
        good = _smtp_settings(
            tmp_path, server, smtp_username="mailer", smtp_password=SecretStr("s3cret-pw")
        )
        assert (await SmtpMailer(good).send(_message()))["delivered"] is True

        bad = _smtp_settings(
            tmp_path, server, smtp_username="mailer", smtp_password=SecretStr("wrong-pw-123")
        )
        with pytest.raises(UpstreamError) as info:
            await SmtpMailer(bad).send(_message())
        assert info.value.status == 502
        assert f"SMTP server {server.host}:{server.port} refused the login" in info.value.message
        assert "wrong-pw-123" not in str(info.value.to_body())
        assert info.value.__cause__ is None
        assert len(server.messages) == 1


async def test_smtp_refused_recipient_is_502(tmp_path: Path) -> None:
    with smtp_server(reject=["gone@example.com"]) as server:
        mailer = SmtpMailer(_smtp_settings(tmp_path, server))
        with pytest.raises(UpstreamError) as info:
            await mailer.send(_message(to=["gone@example.com"]))
        assert info.value.status == 502
        assert info.value.message.startswith(f"SMTP server {server.host}:{server.port} refused")
        assert "gone@example.com" in info.value.message
        assert info.value.details["refused"] == ["gone@example.com"]
        assert server.messages == []

        # One good recipient out of two: delivered, and the refused one is reported.
        partial = await mailer.send(_message(to=["ada@example.com", "gone@example.com"]))
        assert partial["delivered"] is True
        assert partial["refused"] == ["gone@example.com"]
        assert server.envelopes[0][1] == ["ada@example.com"]


async def test_smtp_server_that_is_not_there_is_502(tmp_path: Path) -> None:
    settings = make_settings(
        tmp_path,
        smtp_host="127.0.0.1",
        smtp_port=free_port(),
        smtp_password=SecretStr("pw-never-shown"),
        smtp_username="u",
        smtp_timeout=5,
        egress_allow=["127.0.0.1"],
    )
    with pytest.raises(UpstreamError) as info:
        await SmtpMailer(settings).send(_message())
    assert info.value.message.startswith(f"SMTP server 127.0.0.1:{settings.smtp_port}")
    assert "could not be reached" in info.value.message
    assert "pw-never-shown" not in str(info.value.to_body())


async def test_header_injection_is_refused(tmp_path: Path) -> None:
    with smtp_server() as server:
        mailer = SmtpMailer(_smtp_settings(tmp_path, server))
        with pytest.raises(ValidationFailed, match="Invalid email header"):
            await mailer.send(_message(subject="hi\r\nBcc: victim@example.com"))
        assert server.messages == []
