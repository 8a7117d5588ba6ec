"""A local OpenID Connect provider for the sign-in tests, served on loopback.

- ``GET /.well-known/openid-configuration``: discovery (issuer = the server's address).
- ``GET /jwks``: the public half of an RSA key generated when the provider is made.
- ``GET /authorize``: checks client_id, response_type=code, redirect_uri, an S256 PKCE
  challenge, state and nonce, then consents at once as ``user`` (no login form) and
  redirects back with ``code`` and ``state``.
- ``POST /token``: client_secret_basic or client_secret_post, the code (once, for the
  same redirect_uri) and the PKCE verifier; answers an RS256 ID token signed with
  joserfc carrying the nonce of the authorization request.

A test bends one thing to see it refused: ``claims`` adds or overrides ID token
claims (None removes one), ``sign_with_stranger`` signs with another key under the
same key id, ``now`` sets the provider's clock.
"""

from __future__ import annotations

import base64
import secrets
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote, urlencode

from authlib.oauth2.rfc7636 import create_s256_code_challenge
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, PlainTextResponse, RedirectResponse, Response
from joserfc import jwt
from joserfc.jwk import KeySet, RSAKey

from tests.support.serve_asgi import listening_socket, serving


def _rsa_key(kid: str) -> RSAKey:
    return RSAKey.generate_key(2048, parameters={"kid": kid, "use": "sig", "alg": "RS256"})


@dataclass
class LocalOidcProvider:
    """The provider's state; ``app`` is the ASGI app, ``issuer`` its address once served."""

    client_id: str = "creditflow-workbench"
    client_secret: str = field(default_factory=lambda: secrets.token_urlsafe(24))
    user: str = "anna@example.nl"
    email_verified: bool = True
    claims: dict[str, Any] = field(default_factory=dict)
    sign_with_stranger: bool = False
    now: Callable[[], float] = time.time
    issuer: str = ""
    key: RSAKey = field(default_factory=lambda: _rsa_key("test-key-1"))
    codes: dict[str, dict[str, str]] = field(default_factory=dict)
    authorize_requests: list[dict[str, str]] = field(default_factory=list)
    token_requests: list[dict[str, str]] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def app(self) -> FastAPI:
        """The provider as an ASGI app."""
        app = FastAPI()
        app.add_api_route("/.well-known/openid-configuration", self._discovery)
        app.add_api_route("/jwks", self._jwks)
        app.add_api_route("/authorize", self._authorize)
        app.add_api_route("/token", self._token, methods=["POST"])
        return app

    def _discovery(self) -> JSONResponse:
        return JSONResponse(
            {
                "issuer": self.issuer,
                "authorization_endpoint": f"{self.issuer}/authorize",
                "token_endpoint": f"{self.issuer}/token",
                "jwks_uri": f"{self.issuer}/jwks",
                "response_types_supported": ["code"],
                "subject_types_supported": ["public"],
                "id_token_signing_alg_values_supported": ["RS256"],
                "code_challenge_methods_supported": ["S256"],
                "token_endpoint_auth_methods_supported": [
                    "client_secret_basic",
                    "client_secret_post",
                ],
                "scopes_supported": ["openid", "email", "profile"],
            }
        )

    def _jwks(self) -> JSONResponse:
        return JSONResponse(KeySet([self.key]).as_dict(private=False))

    def _authorize(self, request: Request) -> Response:
        query = dict(request.query_params)
        self.authorize_requests.append(query)
        problems = [
            name
            for name, good in (
                ("client_id", query.get("client_id") == self.client_id),
                ("response_type", query.get("response_type") == "code"),
                ("scope", "openid" in query.get("scope", "").split()),
                ("redirect_uri", query.get("redirect_uri", "").startswith("http")),
                ("state", bool(query.get("state"))),
                ("nonce", bool(query.get("nonce"))),
                ("code_challenge", len(query.get("code_challenge", "")) == 43),
                ("code_challenge_method", query.get("code_challenge_method") == "S256"),
            )
            if not good
        ]
        if problems:
            return PlainTextResponse(f"bad request: {', '.join(problems)}", 400)
        code = secrets.token_urlsafe(32)
        with self._lock:
            self.codes[code] = {
                "redirect_uri": query["redirect_uri"],
                "challenge": query["code_challenge"],
                "nonce": query["nonce"],
            }
        back = urlencode({"code": code, "state": query["state"]})
        return RedirectResponse(f"{query['redirect_uri']}?{back}", status_code=302)

    def _client_ok(self, request: Request, form: dict[str, str]) -> bool:
        header = request.headers.get("authorization", "")
        if header.lower().startswith("basic "):
            decoded = base64.b64decode(header[6:]).decode()
            client_id, _, secret = decoded.partition(":")
            client_id, secret = unquote(client_id), unquote(secret)
        else:
            client_id, secret = form.get("client_id", ""), form.get("client_secret", "")
        return client_id == self.client_id and secrets.compare_digest(secret, self.client_secret)

    async def _token(self, request: Request) -> JSONResponse:
        form = {key: str(value) for key, value in (await request.form()).items()}
        self.token_requests.append({k: v for k, v in form.items() if k != "client_secret"})
        if not self._client_ok(request, form):
            return JSONResponse({"error": "invalid_client"}, 401)
        with self._lock:
            grant = self.codes.pop(form.get("code", ""), None)  # a code works once
        if form.get("grant_type") != "authorization_code" or grant is None:
            return JSONResponse({"error": "invalid_grant"}, 400)
        if form.get("redirect_uri") != grant["redirect_uri"]:
            return JSONResponse({"error": "invalid_grant", "error_description": "uri"}, 400)
        verifier = form.get("code_verifier", "")
        if not verifier or create_s256_code_challenge(verifier) != grant["challenge"]:
            return JSONResponse({"error": "invalid_grant", "error_description": "pkce"}, 400)
        return JSONResponse(
            {
                "access_token": secrets.token_urlsafe(32),
                "token_type": "Bearer",
                "expires_in": 3600,
                "id_token": self.id_token(grant["nonce"]),
            }
        )

    def id_token(self, nonce: str) -> str:
        """An RS256 ID token for ``user`` with this nonce (and the test's ``claims``)."""
        now = int(self.now())
        claims: dict[str, Any] = {
            "iss": self.issuer,
            "sub": "sub-" + self.user,
            "aud": self.client_id,
            "iat": now,
            "exp": now + 300,
            "nonce": nonce,
            "email": self.user,
            "email_verified": self.email_verified,
        }
        claims.update(self.claims)
        claims = {key: value for key, value in claims.items() if value is not None}
        kid = self.key.kid or "test-key-1"
        key = _rsa_key(kid) if self.sign_with_stranger else self.key
        return jwt.encode({"alg": "RS256", "kid": kid}, claims, key)


@contextmanager
def running_provider(**options: Any) -> Iterator[LocalOidcProvider]:
    """A LocalOidcProvider served on a free loopback port (``issuer`` is its address)."""
    sock = listening_socket()
    provider = LocalOidcProvider(**options)
    provider.issuer = f"http://127.0.0.1:{sock.getsockname()[1]}"
    with serving(provider.app, sock):
        yield provider
