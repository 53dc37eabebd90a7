"""``sendEmail``: sends a message through the configured mailer (SMTP, or the local outbox
when no SMTP server is configured). Addresses are validated before anything is sent."""

from __future__ import annotations

from email.utils import parseaddr
from typing import Any

import aiosmtplib
from email_validator import EmailNotValidError, validate_email
from pydantic import Field, field_validator

from orchestrix.errors import OrchestrixError, UpstreamError, ValidationFailed
from orchestrix.tools.base import EmailMessageData, RunContext, Tool, ToolConfig, ToolOutput


def _as_list(value: Any) -> Any:
    if value is None:
        return []
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    return value


def address_problem(value: str) -> str | None:
    """Why ``value`` (``a@b.co`` or ``Ada <a@b.co>``) is not a usable address, or None."""
    if "\r" in value or "\n" in value:
        return "must not contain line breaks"
    _name, address = parseaddr(value)
    if not address:
        return "is not a valid email address"
    try:
        validate_email(address, check_deliverability=False)
    except EmailNotValidError as e:
        return f"is not a valid email address ({e})"
    return None


class SendEmailConfig(ToolConfig):
    to: list[str] = Field(
        min_length=1,
        description="Recipient address, or a list of them (`Ada <ada@example.com>` works too).",
    )
    subject: str = Field(max_length=998, description="Subject line.")
    text: str = Field(default="", description="Plain-text body.")
    html: str | None = Field(default=None, description="HTML body, sent alongside the text.")
    sender: str | None = Field(
        default=None,
        alias="from",
        description="Sender address. Default: the `ORCHESTRIX_SMTP_FROM` setting.",
    )
    cc: list[str] = Field(default_factory=list, description="Copy recipients.")
    reply_to: str | None = Field(default=None, description="Reply-To address.")

    @field_validator("to", "cc", mode="before")
    @classmethod
    def _listed(cls, value: Any) -> Any:
        return _as_list(value)


class SendEmailOutput(ToolOutput):
    message_id: str = Field(description="The Message-ID of the sent message.")
    delivered: bool = Field(description="True when an SMTP server accepted it.")
    via: str = Field(description="`smtp` or `outbox`.")


class SendEmail(Tool):
    type = "sendEmail"
    summary = "Sends an email over SMTP (or into the local outbox); 502 when the server fails."
    Config = SendEmailConfig
    Output = SendEmailOutput
    read_only = False

    async def run(self, ctx: RunContext, config: SendEmailConfig) -> dict[str, Any]:
        problems = [
            {"field": field, "message": f"{value!r} {problem}"}
            for field, values in (
                ("to", config.to),
                ("cc", config.cc),
                ("from", [config.sender] if config.sender else []),
                ("replyTo", [config.reply_to] if config.reply_to else []),
            )
            for value in values
            if (problem := address_problem(value))
        ]
        if "\r" in config.subject or "\n" in config.subject:
            problems.append({"field": "subject", "message": "must not contain line breaks"})
        if problems:
            raise ValidationFailed("Invalid email message", problems)
        message = EmailMessageData(
            to=config.to,
            subject=config.subject,
            text=config.text,
            html=config.html,
            sender=config.sender,
            cc=config.cc,
            reply_to=config.reply_to,
            namespace=ctx.namespace,
        )
        try:
            return await ctx.services.mailer.send(message)
        except OrchestrixError:
            raise
        except (aiosmtplib.SMTPException, OSError, TimeoutError) as e:
            raise UpstreamError(
                "The mail server did not accept the message", {"reason": str(e) or type(e).__name__}
            ) from e
