"""``httpRequest``: outbound HTTP with a timeout and bounded retries, through the egress
policy (:mod:`orchestrix.runtime.egress`): no loopback, private, link-local or metadata
address unless ``ORCHESTRIX_EGRESS_ALLOW`` lists it, no redirect followed unless the config
asks, and then every hop checked.

Network errors, timeouts and 5xx answers are retried with a short exponential backoff; 4xx
answers are not (asking again will not help). Failures answer 502, with the URL stripped of
credentials and query string so no secret lands in an error body.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any, Literal

import httpx
from pydantic import Field, field_validator

from orchestrix.errors import UpstreamError, ValidationFailed
from orchestrix.tools.base import RunContext, Tool, ToolConfig, ToolOutput

Method = Literal["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"]
BACKOFF_SECONDS = 0.1
MAX_BACKOFF_SECONDS = 2.0


def safe_url(url: httpx.URL) -> str:
    """``scheme://host[:port]/path``: no user info, no query string, no fragment."""
    port = f":{url.port}" if url.port is not None else ""
    return f"{url.scheme}://{url.host}{port}{url.path}"


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict | list):
        return json.dumps(value, separators=(",", ":"))
    return str(value)


def _parse_body(response: httpx.Response) -> Any:
    content_type = response.headers.get("content-type", "").lower()
    if "json" in content_type.split(";")[0]:
        if not response.content:
            return None
        try:
            return response.json()
        except ValueError:
            return response.text
    return response.text


class HttpRequestConfig(ToolConfig):
    url: str = Field(description="An http:// or https:// URL.")
    method: Method = Field(default="GET", description="HTTP method.")
    headers: dict[str, str] = Field(default_factory=dict, description="Request headers.")
    query: dict[str, Any] = Field(
        default_factory=dict, description="Query parameters; null values are left out."
    )
    body: Any = Field(default=None, description="Request body, sent as JSON when given.")
    timeout: float = Field(
        default=10.0, gt=0, le=300, description="Seconds for each attempt (connect and read)."
    )
    retries: int = Field(
        default=2,
        ge=0,
        le=5,
        description="Extra attempts after a network error, a timeout or a 5xx answer.",
    )
    fail_on_error: bool = Field(
        default=True, description="Answer 502 when the upstream status is 400 or more."
    )
    follow_redirects: bool = Field(
        default=False,
        description="Follow up to 5 redirects, each hop checked by the egress policy. "
        "Off: a 3xx answer is the result.",
    )

    @field_validator("method", mode="before")
    @classmethod
    def _upper(cls, value: Any) -> Any:
        return value.upper() if isinstance(value, str) else value

    @field_validator("headers", mode="before")
    @classmethod
    def _header_text(cls, value: Any) -> Any:
        if isinstance(value, dict):
            return {k: _text(v) for k, v in value.items() if v is not None}
        return value


class HttpRequestOutput(ToolOutput):
    status: int = Field(description="The upstream status code.")
    ok: bool = Field(description="True when the status is below 400.")
    headers: dict[str, str] = Field(description="Response headers, names in lower case.")
    body: Any = Field(description="Parsed JSON when the content type says JSON, else text.")


def _checked_url(raw: str) -> httpx.URL:
    try:
        url = httpx.URL(raw)
    except (httpx.InvalidURL, TypeError, ValueError) as e:
        raise ValidationFailed(
            "Invalid URL", [{"field": "url", "message": f"not a valid URL: {e}"}]
        ) from e
    if url.scheme not in {"http", "https"} or not url.host:
        raise ValidationFailed(
            "Invalid URL", [{"field": "url", "message": "only http:// and https:// URLs"}]
        )
    return url


class HttpRequest(Tool):
    type = "httpRequest"
    summary = "Calls an HTTP API with a timeout and retries; 502 when the upstream fails."
    Config = HttpRequestConfig
    Output = HttpRequestOutput
    read_only = False

    async def run(self, ctx: RunContext, config: HttpRequestConfig) -> HttpRequestOutput:
        url = _checked_url(config.url)
        params = {
            k: [_text(x) for x in v] if isinstance(v, list) else _text(v)
            for k, v in config.query.items()
            if v is not None
        }
        where = safe_url(url)
        response: httpx.Response | None = None
        for attempt in range(config.retries + 1):
            if attempt:
                await asyncio.sleep(min(BACKOFF_SECONDS * 2 ** (attempt - 1), MAX_BACKOFF_SECONDS))
            try:
                response = await ctx.services.http.request(
                    config.method,
                    url,
                    headers=config.headers,
                    params=params or None,
                    json=config.body,
                    timeout=config.timeout,
                    follow_redirects=config.follow_redirects,
                )
            except httpx.TooManyRedirects as e:
                raise UpstreamError(
                    "The upstream redirected too many times", {"url": where, "status": None}
                ) from e
            except httpx.TransportError as e:  # timeouts, refused connections, resets...
                if attempt < config.retries:
                    continue
                timed_out = isinstance(e, httpx.TimeoutException)
                raise UpstreamError(
                    f"The upstream did not answer within {config.timeout:g} seconds"
                    if timed_out
                    else "Could not reach the upstream",
                    {
                        "url": where,
                        "status": None,
                        "reason": "timeout" if timed_out else type(e).__name__,
                        "attempts": attempt + 1,
                    },
                ) from e
            if response.status_code < 500:
                break
        assert response is not None
        status = response.status_code
        if status >= 400 and config.fail_on_error:
            raise UpstreamError(f"The upstream answered {status}", {"url": where, "status": status})
        return HttpRequestOutput(
            status=status,
            ok=status < 400,
            headers={k.lower(): v for k, v in response.headers.items()},
            body=_parse_body(response),
        )
