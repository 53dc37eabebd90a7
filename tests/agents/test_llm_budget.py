"""The llm planner's budget: what it sends fits an 8k-token context in every output mode (the
instructions, the request and the schema, as they go over the wire to a scripted server), and a
typical answer is under 400 tokens.

Tokens are estimated as characters / 3: no tokenizer's vocabulary can be fetched here (tiktoken
downloads its encodings), and JSON-heavy text runs at about 3 characters per token on BPE
tokenizers (prose at about 4), so this overestimates rather than hides a prompt that is too big.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from orchestrix.agents import BuilderAgent
from orchestrix.settings import Settings
from tests.agents import llm_answers as answers
from tests.agents.llm_servers import Script, serving

CONTEXT = 8000
ANSWER_BUDGET = 400


def tokens(text: str) -> int:
    return -(-len(text) // 3)


def _sent(body: dict[str, Any]) -> str:
    """Everything in a request the model reads: messages, tool or response schema."""
    parts = [json.dumps(body["messages"])]
    keys = ("tools", "response_format", "json_schema", "system")
    parts.extend(json.dumps(body[key]) for key in keys if key in body)
    return "".join(parts)


def _settings(tmp_path: Path, url: str, **extra: Any) -> Settings:
    values: dict[str, Any] = {
        "data_dir": tmp_path,
        "llm": "openai:scripted-model",
        "llm_base_url": url,
        "llm_timeout": 20,
        "_env_file": None,
        **extra,
    }
    return Settings(**values)


@pytest.mark.parametrize("mode", ["native", "tool", "prompted"])
async def test_prompt_and_schema_fit_in_8k_tokens(tmp_path: Path, mode: str) -> None:
    script = Script([answers.SIGNUP])
    prompt = (
        "create a sign up api with email (unique), password at least 12 characters, name and an "
        "optional phone number; send a welcome email and allow 5 signups per minute per IP"
    )
    with serving(script) as url:
        built = await BuilderAgent(_settings(tmp_path, url, llm_output_mode=mode)).generate(prompt)
        # A chat change carries the current model too: the bigger of the two prompts.
        await BuilderAgent(_settings(tmp_path, url, llm_output_mode=mode)).mutate(
            built.workflow, "make the phone number required and add a date of birth"
        )
    for body in script.requests:
        used = tokens(_sent(body))
        assert used + 1500 <= CONTEXT, (mode, used)  # room left for the answer (max_tokens)


def test_a_typical_answer_is_under_400_tokens() -> None:
    for answer in (answers.SIGNUP, answers.PRODUCTS, answers.NOTES_FIXED):
        text = json.dumps(answer, separators=(",", ":"))
        assert tokens(text) < ANSWER_BUDGET, (tokens(text), text)
