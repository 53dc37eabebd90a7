"""Scripted model servers on loopback: an OpenAI-compatible ``/v1/chat/completions`` and an
Anthropic-compatible ``/v1/messages``, answering in whatever output mode the request asks for
(tool call, ``response_format`` JSON schema, plain text) with the next scripted answer.

Each script entry is a dict (the answer object), a ``str`` (raw text, e.g. not JSON), or
``Sleep(seconds, then)``. A server may reject a mode the way real ones do: llama-cpp-python
answers HTTP 500 to ``tool_choice: "required"``; some servers 400 on ``response_format``.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from tests.servers import serve_asgi


@dataclass
class Sleep:
    seconds: float
    then: dict[str, Any] | str = field(default_factory=dict)


@dataclass
class Script:
    answers: list[dict[str, Any] | str | Sleep]
    reject: set[str] = field(default_factory=set)
    requests: list[dict[str, Any]] = field(default_factory=list)
    modes: list[str] = field(default_factory=list)

    async def next(self) -> dict[str, Any] | str:
        answer = self.answers[min(len(self.requests), len(self.answers)) - 1]
        if isinstance(answer, Sleep):
            await asyncio.sleep(answer.seconds)
            return answer.then
        return answer


def _text(answer: dict[str, Any] | str) -> str:
    return answer if isinstance(answer, str) else json.dumps(answer)


def openai_app(script: Script) -> FastAPI:
    app = FastAPI()

    @app.post("/v1/chat/completions")
    async def complete(request: Request) -> Any:
        body = await request.json()
        script.requests.append(body)
        mode = (
            "tool"
            if body.get("tools")
            else "native"
            if (body.get("response_format") or {}).get("type") == "json_schema"
            or "json_schema" in body
            else "prompted"
        )
        script.modes.append(mode)
        if mode in script.reject:
            status = 500 if mode == "tool" else 400
            error = {"message": f"{mode} output is not supported", "type": "server_error"}
            return JSONResponse({"error": error}, status)
        answer = await script.next()
        message: dict[str, Any] = {"role": "assistant", "content": _text(answer)}
        finish = "stop"
        if isinstance(answer, dict) and "openaiRefusal" in answer:
            message = {"role": "assistant", "content": None, "refusal": answer["openaiRefusal"]}
        elif mode == "tool":
            name = body["tools"][0]["function"]["name"]
            call = {"name": name, "arguments": _text(answer)}
            message = {
                "role": "assistant",
                "content": None,
                "tool_calls": [
                    {"id": f"call_{len(script.requests)}", "type": "function", "function": call}
                ],
            }
            finish = "tool_calls"
        return {
            "id": f"chatcmpl-{len(script.requests)}",
            "object": "chat.completion",
            "created": 0,
            "model": body["model"],
            "choices": [{"index": 0, "finish_reason": finish, "message": message}],
            "usage": {"prompt_tokens": 900, "completion_tokens": 180, "total_tokens": 1080},
        }

    return app


def anthropic_app(script: Script) -> FastAPI:
    app = FastAPI()

    @app.post("/v1/messages")
    async def messages(request: Request) -> Any:
        body = await request.json()
        script.requests.append(body)
        mode = "tool" if body.get("tools") else "prompted"
        script.modes.append(mode)
        if mode in script.reject:
            error = {"type": "invalid_request_error", "message": f"{mode} not supported"}
            return JSONResponse({"type": "error", "error": error}, 400)
        answer = await script.next()
        if mode == "tool":
            tool = body["tools"][0]["name"]
            data = answer if isinstance(answer, dict) else {"raw": answer}
            content = [
                {
                    "type": "tool_use",
                    "id": f"toolu_{len(script.requests)}",
                    "name": tool,
                    "input": data,
                }
            ]
            stop = "tool_use"
        else:
            content = [{"type": "text", "text": _text(answer)}]
            stop = "end_turn"
        return {
            "id": f"msg_{len(script.requests)}",
            "type": "message",
            "role": "assistant",
            "model": body["model"],
            "content": content,
            "stop_reason": stop,
            "stop_sequence": None,
            "usage": {"input_tokens": 900, "output_tokens": 180},
        }

    return app


@contextmanager
def serving(script: Script, kind: str = "openai") -> Iterator[str]:
    app = openai_app(script) if kind == "openai" else anthropic_app(script)
    with serve_asgi(app) as url:
        yield f"{url}/v1" if kind == "openai" else url
