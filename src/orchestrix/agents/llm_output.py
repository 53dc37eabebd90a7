"""How the llm planner gets a structured answer out of each kind of provider.

Output modes:

- ``native``: the provider's own JSON-schema output. OpenAI-compatible servers get
  ``response_format: {type: json_schema}`` (OpenAI, vLLM, LM Studio, Ollama's ``/v1``, which maps it
  to its ``format``); ``llamacpp:`` also gets the schema in llama.cpp's own ``json_schema``
  field (a grammar; older llama.cpp and llama-cpp-python servers read only that). Anthropic
  has tool use as its native form, so ``native`` is ``tool`` there.
- ``tool``: one forced tool call whose arguments are the answer (``tool_choice: required``).
- ``prompted``: the schema in the instructions and plain JSON text back.

``auto`` (the default) picks per provider; ``ORCHESTRIX_LLM_OUTPUT_MODE`` overrides it. A server
that rejects a mode (HTTP 400/404/422/500/501, e.g. llama-cpp-python's 500 on
``tool_choice: "required"``) is asked again in the next mode of :func:`mode_order`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Literal
from urllib.parse import urlparse

from pydantic_ai import NativeOutput, PromptedOutput, ToolOutput
from pydantic_ai.models import Model
from pydantic_ai.settings import ModelSettings

from orchestrix.errors import ConfigurationError
from orchestrix.settings import Settings

Mode = Literal["native", "tool", "prompted"]
MODES: tuple[Mode, ...] = ("native", "tool", "prompted")
#: Seconds one request may take when the setting is unset: local models on a CPU are slow.
HOSTED_TIMEOUT = 120.0
LOCAL_TIMEOUT = 900.0
PROVIDERS = ("openai", "anthropic", "ollama", "llamacpp")
_DEFAULT_URLS = {"ollama": "http://127.0.0.1:11434/v1", "llamacpp": "http://127.0.0.1:8080/v1"}
_LOCAL_HOSTS = {"localhost", "127.0.0.1", "::1", "0.0.0.0", "host.docker.internal"}


@dataclass(frozen=True)
class Target:
    """The model a setting names: provider, name, where it answers, how long it may take."""

    provider: str
    name: str
    base_url: str | None
    local: bool
    timeout: float

    @property
    def label(self) -> str:
        return f"{self.provider}:{self.name}"


def target_of(settings: Settings) -> Target:
    spec = settings.llm or ""
    provider, sep, name = spec.partition(":")
    if not sep:
        provider, name = "openai", spec
    if provider == "openai-chat":
        provider = "openai"
    if provider not in PROVIDERS or not name:
        raise ConfigurationError(
            f"ORCHESTRIX_LLM={spec!r} names no model: use openai:NAME, anthropic:NAME, "
            "ollama:NAME or llamacpp:NAME",
            {"llm": spec},
        )
    base_url = settings.llm_base_url or _DEFAULT_URLS.get(provider)
    host = urlparse(base_url).hostname if base_url else None
    local = provider in _DEFAULT_URLS or (host is not None and host in _LOCAL_HOSTS)
    timeout = settings.llm_timeout or (LOCAL_TIMEOUT if local else HOSTED_TIMEOUT)
    return Target(provider, name, base_url, local, timeout)


def mode_order(target: Target, setting: str) -> list[Mode]:
    """The modes to try, the preferred one first."""
    available: list[Mode] = ["tool", "prompted"] if target.provider == "anthropic" else list(MODES)
    if setting != "auto":
        first: Mode = "tool" if setting == "native" and target.provider == "anthropic" else setting  # type: ignore[assignment]
    else:
        first = "tool" if target.provider == "anthropic" else "native"
    return [first, *(m for m in available if m != first)]


def build_model(target: Target, settings: Settings) -> tuple[Model, Callable[[], Awaitable[None]]]:
    """The pydantic-ai model over the provider's own client (no SDK retries, the timeout set),
    and how to close that client."""
    key = settings.llm_api_key.get_secret_value() if settings.llm_api_key else None
    if target.provider == "anthropic":
        from anthropic import AsyncAnthropic
        from pydantic_ai.models.anthropic import AnthropicModel
        from pydantic_ai.providers.anthropic import AnthropicProvider

        anthropic = AsyncAnthropic(
            api_key=key or ("unused" if target.base_url else None),
            base_url=target.base_url,
            max_retries=0,
            timeout=target.timeout,
        )
        model = AnthropicModel(target.name, provider=AnthropicProvider(anthropic_client=anthropic))
        return model, anthropic.close
    from openai import AsyncOpenAI
    from pydantic_ai.models.openai import OpenAIChatModel
    from pydantic_ai.providers.openai import OpenAIProvider

    client = AsyncOpenAI(
        base_url=target.base_url,
        api_key=key or (target.provider if target.base_url else None),
        max_retries=0,
        timeout=target.timeout,
    )
    return OpenAIChatModel(target.name, provider=OpenAIProvider(openai_client=client)), client.close


def output_spec(mode: Mode, answer: type[Any]) -> Any:
    """The pydantic-ai output type for a mode."""
    if mode == "tool":
        return ToolOutput(answer, name="answer", description="Your answer.", strict=False)
    if mode == "native":
        return NativeOutput(answer, name="answer", strict=False)
    return PromptedOutput(answer, name="answer")


def model_settings(
    mode: Mode, target: Target, settings: Settings, schema: dict[str, Any]
) -> ModelSettings:
    """Explicit token cap and temperature, the timeout, and no retry by the SDK."""
    out = ModelSettings(
        max_tokens=settings.llm_max_tokens,
        temperature=settings.llm_temperature,
        timeout=target.timeout,
        max_retries=0,
    )
    extra: dict[str, Any] = {}
    if target.provider != "anthropic" and target.base_url:
        # OpenAI's SDK sends max_completion_tokens; llama.cpp, llama-cpp-python, vLLM and
        # Ollama's /v1 read max_tokens.
        extra["max_tokens"] = settings.llm_max_tokens
    if mode == "native" and target.provider == "llamacpp":
        extra["json_schema"] = schema
    if extra:
        out["extra_body"] = extra
    return out
