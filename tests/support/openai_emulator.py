"""A local server speaking the OpenAI chat completions API, with scripted answers.

``POST /v1/chat/completions`` checks the Bearer key (401 in OpenAI's error shape when
it is wrong), validates the request (``model``, ``messages`` with roles and text) and
answers with the next scripted ``Completion``: a text (or a function of the request
body), an HTTP error status, a delay before answering, or a raw body that is not
JSON. Every request is kept in ``requests`` so a test can count and inspect them.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response

ROLES = ("system", "user", "assistant")


@dataclass(frozen=True)
class Completion:
    """One scripted answer of the emulator."""

    content: str | Callable[[dict[str, Any]], str] = ""
    status: int = 200
    delay_seconds: float = 0.0
    raw: str | None = None
    finish_reason: str = "stop"


def _error(status: int, message: str, kind: str) -> JSONResponse:
    return JSONResponse({"error": {"message": message, "type": kind, "code": None}}, status)


@dataclass
class OpenAIEmulator:
    """State of the emulated endpoint; ``app`` is the ASGI app to serve."""

    api_key: str | None = "sk-test-" + "k" * 24
    requests: list[dict[str, Any]] = field(default_factory=list)
    authorizations: list[str | None] = field(default_factory=list)
    _script: list[Completion] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def app(self) -> FastAPI:
        """The emulator as an ASGI app."""
        app = FastAPI()
        app.add_api_route("/v1/chat/completions", self._complete, methods=["POST"])
        return app

    def script(self, *answers: Completion | str) -> None:
        """Queue the next answers (a plain string is a successful completion)."""
        with self._lock:
            self._script.extend(a if isinstance(a, Completion) else Completion(a) for a in answers)

    def user_text(self, index: int = -1) -> str:
        """The user message of a recorded request (the text to reword)."""
        return str(self.requests[index]["messages"][-1]["content"])

    def system_text(self, index: int = -1) -> str:
        """The system message of a recorded request (the instructions)."""
        return str(self.requests[index]["messages"][0]["content"])

    async def _complete(self, request: Request) -> Response:
        authorization = request.headers.get("authorization")
        with self._lock:
            self.authorizations.append(authorization)
        if self.api_key is not None and authorization != f"Bearer {self.api_key}":
            return _error(401, "Incorrect API key provided.", "invalid_request_error")
        try:
            body = await request.json()
        except ValueError:
            return _error(400, "We could not parse the JSON body of your request.", "invalid_json")
        problem = _invalid(body)
        if problem:
            return _error(400, problem, "invalid_request_error")
        with self._lock:
            self.requests.append(body)
            answer = self._script.pop(0) if self._script else None
        if answer is None:
            return _error(500, "no scripted completion left", "server_error")
        if answer.delay_seconds:
            await asyncio.sleep(answer.delay_seconds)
        if answer.raw is not None:
            return Response(answer.raw, answer.status, media_type="application/json")
        if answer.status != 200:
            return _error(answer.status, "The server had an error.", "server_error")
        content = answer.content(body) if callable(answer.content) else answer.content
        return JSONResponse(
            {
                "id": f"chatcmpl-{len(self.requests)}",
                "object": "chat.completion",
                "created": int(time.time()),
                "model": body["model"],
                "choices": [
                    {
                        "index": 0,
                        "message": {"role": "assistant", "content": content},
                        "finish_reason": answer.finish_reason,
                    }
                ],
                "usage": {"prompt_tokens": 0, "completion_tokens": 0, "total_tokens": 0},
            }
        )


def _invalid(body: Any) -> str | None:
    if not isinstance(body, dict) or not isinstance(body.get("model"), str) or not body["model"]:
        return "you must provide a model parameter"
    messages = body.get("messages")
    if not isinstance(messages, list) or not messages:
        return "'messages' must be a non-empty array"
    for number, message in enumerate(messages):
        if not isinstance(message, dict) or message.get("role") not in ROLES:
            return f"messages[{number}].role is invalid"
        if not isinstance(message.get("content"), str):
            return f"messages[{number}].content must be a string"
    temperature = body.get("temperature", 1)
    if not isinstance(temperature, int | float) or not 0 <= temperature <= 2:
        return "temperature must be between 0 and 2"
    max_tokens = body.get("max_tokens", 1)
    if not isinstance(max_tokens, int) or max_tokens < 1:
        return "max_tokens must be a positive integer"
    return None
