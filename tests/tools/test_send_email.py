"""sendEmail: into the outbox by default, over SMTP to a real aiosmtpd server on loopback."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from orchestrix.errors import UpstreamError, ValidationFailed
from orchestrix.runtime.executor import Executor
from orchestrix.runtime.mail import list_outbox
from orchestrix.runtime.services import open_services
from orchestrix.spec.models import Workflow
from orchestrix.tools.base import RunContext, Services
from orchestrix.tools.send_email import SendEmail, SendEmailConfig
from tests.conftest import unique_namespace
from tests.factories import make_settings
from tests.servers import free_port, smtp_server

CONTACT = Workflow.model_validate(
    {
        "name": "Contact",
        "inputSchema": {
            "type": "object",
            "required": ["email", "message"],
            "properties": {
                "email": {"type": "string", "format": "email"},
                "message": {"type": "string", "minLength": 1},
            },
        },
        "tools": [
            {"id": "input", "type": "input"},
            {"id": "validation", "type": "validation"},
            {
                "id": "mail",
                "type": "sendEmail",
                "config": {
                    "to": "team@example.com",
                    "cc": ["boss@example.com"],
                    "from": "Contact form <noreply@example.com>",
                    "replyTo": "{{ input.email }}",
                    "subject": "Message from {{ input.email }}",
                    "text": "{{ input.message }}",
                    "html": "<p>{{ input.message }}</p>",
                },
            },
            {"id": "ok", "type": "response", "config": {"status": 202, "body": "{{ steps.mail }}"}},
        ],
    }
)


async def _send(services: Services, namespace: str, **config: Any) -> dict[str, Any]:
    ctx = RunContext(
        workflow=Workflow(name="Mail"), input={}, services=services, namespace=namespace
    )
    return await SendEmail().run(ctx, SendEmailConfig.model_validate(config))


async def test_without_smtp_the_message_goes_to_the_outbox(services: Services) -> None:
    ns = unique_namespace()
    result = await Executor(CONTACT).run(
        {"email": "ada@example.com", "message": "Hello there"}, services, namespace=ns
    )
    assert result.status == 202
    assert result.body["via"] == "outbox" and result.body["delivered"] is False
    engine = services.mailer.engine  # type: ignore[attr-defined]
    [kept] = await list_outbox(engine, ns, 10)
    assert kept["id"] == result.body["messageId"]
    assert kept["to"] == ["team@example.com"] and kept["cc"] == ["boss@example.com"]
    assert kept["replyTo"] == "ada@example.com"
    assert kept["from"] == "Contact form <noreply@example.com>"
    assert kept["subject"] == "Message from ada@example.com"
    assert (kept["text"], kept["html"]) == ("Hello there", "<p>Hello there</p>")


async def test_over_smtp_to_a_real_server(tmp_path: Path) -> None:
    with smtp_server() as server:
        settings = make_settings(
            tmp_path,
            smtp_host=server.host,
            smtp_port=server.port,
            smtp_from="api@example.com",
            egress_allow=["127.0.0.1"],  # the SMTP peer is on loopback
        )
        async with open_services(settings) as services:
            result = await Executor(CONTACT).run(
                {"email": "ada@example.com", "message": "Over the wire"},
                services,
                namespace=unique_namespace(),
            )
            plain = await _send(
                services, "n", to="a@example.com, b@example.com", subject="Hi", text="Plain"
            )
    assert result.status == 202, result.body
    assert result.body["via"] == "smtp" and result.body["delivered"] is True
    first, second = server.messages
    assert first["Subject"] == "Message from ada@example.com"
    assert first["To"] == "team@example.com" and first["Cc"] == "boss@example.com"
    assert first["Reply-To"] == "ada@example.com"
    assert first["Message-ID"] == result.body["messageId"]
    assert first.get_body(("plain",)).get_content().strip() == "Over the wire"  # type: ignore[union-attr]
    assert first.get_body(("html",)).get_content().strip() == "<p>Over the wire</p>"  # type: ignore[union-attr]
    assert sorted(server.envelopes[0][1]) == ["boss@example.com", "team@example.com"]
    assert plain["via"] == "smtp"
    assert second["From"] == "api@example.com"
    assert sorted(server.envelopes[1][1]) == ["a@example.com", "b@example.com"]


async def test_a_failing_smtp_server_is_502(tmp_path: Path) -> None:
    settings = make_settings(
        tmp_path,
        smtp_host="127.0.0.1",
        smtp_port=free_port(),
        smtp_timeout=5,
        egress_allow=["127.0.0.1"],
    )
    async with open_services(settings) as services:
        with pytest.raises(UpstreamError) as info:
            await _send(services, "n", to="a@example.com", subject="Hi", text="x")
    assert info.value.status == 502


async def test_a_refused_recipient_is_502(tmp_path: Path) -> None:
    with smtp_server(reject=["gone@example.com"]) as server:
        settings = make_settings(
            tmp_path, smtp_host=server.host, smtp_port=server.port, egress_allow=["127.0.0.1"]
        )
        async with open_services(settings) as services:
            with pytest.raises(UpstreamError) as info:
                await _send(services, "n", to="gone@example.com", subject="Hi", text="x")
    assert info.value.status == 502
    assert server.messages == []


async def test_bad_addresses_are_all_listed_and_nothing_is_sent(services: Services) -> None:
    ns = unique_namespace()
    with pytest.raises(ValidationFailed) as info:
        await _send(
            services,
            ns,
            to=["ok@example.com", "nope"],
            cc="a@",
            **{"from": "x@localhost"},
            replyTo="bad address",
            subject="Hi\r\nBcc: victim@example.com",
        )
    assert info.value.status == 400
    assert [d["field"] for d in info.value.details] == ["to", "cc", "from", "replyTo", "subject"]
    assert "'nope'" in info.value.details[0]["message"]
    engine = services.mailer.engine  # type: ignore[attr-defined]
    assert await list_outbox(engine, ns, 10) == []


def test_at_least_one_recipient() -> None:
    with pytest.raises(ValueError):
        SendEmailConfig.model_validate({"to": [], "subject": "x"})
    with pytest.raises(ValueError):
        SendEmailConfig.model_validate({"to": "", "subject": "x"})
