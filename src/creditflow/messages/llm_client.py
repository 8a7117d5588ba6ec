"""A minimal client for an OpenAI-compatible chat completions endpoint.

`POST {base_url}/v1/chat/completions` with `model`, `messages` (system, user),
`temperature` and `max_tokens`; the answer is `choices[0].message.content`. The
Bearer key is kept out of every repr and error message.
"""

from __future__ import annotations

from types import TracebackType
from typing import Any

import httpx

__all__ = ["ChatClient", "LlmError", "completions_url"]


class LlmError(Exception):
    """The endpoint gave no usable answer; the message says why (never the key or the text)."""


def completions_url(base_url: str) -> str:
    """The chat completions URL of an endpoint ("http://host:port" or ".../v1")."""
    return f"{base_url.rstrip('/').removesuffix('/v1')}/v1/chat/completions"


class ChatClient:
    """One HTTP connection pool to a chat completions endpoint."""

    def __init__(
        self,
        base_url: str,
        model: str,
        *,
        api_key: str | None = None,
        timeout_seconds: float = 10.0,
        temperature: float = 0.3,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.url = completions_url(base_url)
        self.model = model
        self.temperature = temperature
        headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        self._http = httpx.Client(
            headers=headers, timeout=httpx.Timeout(timeout_seconds), transport=transport
        )

    def __repr__(self) -> str:
        return f"ChatClient(url={self.url!r}, model={self.model!r})"

    def __enter__(self) -> ChatClient:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        """Close the connections."""
        self._http.close()

    def complete(self, system: str, user: str, *, max_tokens: int) -> str:
        """The model's answer; raises LlmError on timeout, HTTP error or a malformed answer."""
        body = {
            "model": self.model,
            "messages": [
                {"role": "system", "content": system},
                {"role": "user", "content": user},
            ],
            "temperature": self.temperature,
            "max_tokens": max_tokens,
        }
        try:
            response = self._http.post(self.url, json=body)
        except httpx.TimeoutException as exc:
            raise LlmError(f"timeout: no answer from {self.url} in time") from exc
        except httpx.HTTPError as exc:
            raise LlmError(f"unreachable: {type(exc).__name__} for {self.url}") from exc
        if not response.is_success:
            raise LlmError(f"http: {self.url} answered {response.status_code}")
        try:
            data: Any = response.json()
        except ValueError as exc:
            raise LlmError("malformed: the answer is not JSON") from exc
        return _content(data)


def _content(data: Any) -> str:
    try:
        choice = data["choices"][0]
        content = choice["message"]["content"]
    except (KeyError, IndexError, TypeError) as exc:
        raise LlmError("malformed: no choices[0].message.content in the answer") from exc
    if not isinstance(content, str):
        raise LlmError("malformed: choices[0].message.content is not text")
    if choice.get("finish_reason") == "length":
        raise LlmError("truncated: the answer hit max_tokens")
    return content
