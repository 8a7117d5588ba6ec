"""OpenID Connect sign-in for staff: discovery, the authorization request, the code
exchange and the ID token check (Authlib's OAuth 2.0 parts, joserfc for the JWT).

The authorization request carries `state`, `nonce` and a PKCE S256 challenge; the
callback's ID token must be signed by a key of the provider's JWKS and carry the
configured issuer, our client id as audience, an unexpired `exp` and our nonce.
Which claim gives the e-mail address is a pure rule (`signed_in_email`).
"""

from __future__ import annotations

import hmac
import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import quote

import httpx
from authlib.common.security import generate_token
from authlib.oauth2.rfc6749.parameters import prepare_grant_uri
from authlib.oauth2.rfc7636 import create_s256_code_challenge
from joserfc import jwt
from joserfc.errors import InvalidKeyIdError, JoseError
from joserfc.jwk import KeySet

from creditflow.config.oidc import OidcProvider

SCOPE = "openid email profile"
METADATA_SECONDS = 3600  # discovery and JWKS are fetched again after an hour
LEEWAY_SECONDS = 60  # clock skew allowed on exp and iat
SIGNING_ALGORITHMS = ("RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384")
TIMEOUT = httpx.Timeout(10.0)


class OidcRefused(Exception):
    """The provider's answer was not accepted; the message says why (for the log)."""


@dataclass(frozen=True)
class Pending:
    """What the browser carries (signed) between the start and the callback."""

    provider: str
    state: str
    nonce: str
    verifier: str
    next_path: str

    def as_dict(self) -> dict[str, str]:
        """The fields for the signed cookie."""
        return {
            "p": self.provider,
            "s": self.state,
            "n": self.nonce,
            "v": self.verifier,
            "next": self.next_path,
        }

    @classmethod
    def from_dict(cls, data: Any) -> Pending | None:
        """The pending sign-in from a cookie's fields, None when they are malformed."""
        if not isinstance(data, Mapping):
            return None
        values = [data.get(key) for key in ("p", "s", "n", "v", "next")]
        if not all(isinstance(value, str) and value for value in values):
            return None
        return cls(*[str(value) for value in values])


def new_pending(provider: str, next_path: str) -> Pending:
    """Fresh random state, nonce and PKCE verifier (each 256 bits or more)."""
    return Pending(provider, generate_token(43), generate_token(43), generate_token(64), next_path)


def same_state(expected: str, returned: str) -> bool:
    """The callback's state is the one this browser was given (constant-time)."""
    return bool(returned) and hmac.compare_digest(expected.encode(), returned.encode())


def _claim_true(value: object) -> bool:
    return value is True or value == "true"


def signed_in_email(provider: OidcProvider, claims: Mapping[str, Any]) -> str:
    """The verified e-mail address the ID token stands for, by the provider's kind.

    google/generic: `email` with `email_verified` true (Google with allowed domains:
    the Workspace domain `hd` must be one of them). entra: `email` when the tenant
    vouches for its domain (`xms_edov` true), else `preferred_username` of a member
    of the tenant itself (no `idp` claim from elsewhere: not a guest).
    """
    email: object = None
    if provider.kind == "entra":
        issuer = str(claims.get("iss", ""))
        member = claims.get("idp") in (None, issuer)
        if claims.get("email") and _claim_true(claims.get("xms_edov")):
            email = claims.get("email")
        elif member and claims.get("preferred_username"):
            email = claims.get("preferred_username")
        else:
            raise OidcRefused("no e-mail address the tenant vouches for (email/xms_edov)")
    else:
        if not claims.get("email"):
            raise OidcRefused("the ID token has no email claim")
        if not _claim_true(claims.get("email_verified")):
            raise OidcRefused("the provider has not verified the e-mail address")
        email = claims.get("email")
        if provider.kind == "google" and provider.allowed_domains:
            if str(claims.get("hd", "")).lower() not in provider.allowed_domains:
                raise OidcRefused("the Google account is not in an allowed Workspace domain")
    address = str(email).strip().lower()
    local, at, domain = address.rpartition("@")
    if not (local and at and "." in domain) or len(address) > 254:
        raise OidcRefused("the e-mail claim is not an e-mail address")
    if not provider.domain_allowed(address):
        raise OidcRefused(f"the domain {domain} is not allowed for this provider")
    return address


class OidcClient:
    """One configured provider: its discovery document and keys (cached), the request
    that sends the browser there, and the check of what comes back."""

    def __init__(self, provider: OidcProvider) -> None:
        self.provider = provider
        self._metadata: dict[str, Any] | None = None
        self._keys: KeySet | None = None
        self._fetched = 0.0

    def _get(self, url: str) -> dict[str, Any]:
        try:
            response = httpx.get(url, timeout=TIMEOUT, follow_redirects=False)
            response.raise_for_status()
            data = response.json()
        except (httpx.HTTPError, ValueError) as exc:
            raise OidcRefused(f"{url}: {type(exc).__name__}: {exc}") from exc
        if not isinstance(data, dict):
            raise OidcRefused(f"{url}: expected a JSON object")
        return data

    def metadata(self) -> dict[str, Any]:
        """The provider's OpenID configuration (its issuer must be the configured one)."""
        if self._metadata is None or time.monotonic() - self._fetched > METADATA_SECONDS:
            data = self._get(self.provider.discovery_url)
            if str(data.get("issuer", "")).rstrip("/") != self.provider.issuer.rstrip("/"):
                raise OidcRefused(f"discovery names issuer {data.get('issuer')!r}")
            # http only for a loopback issuer (config/oidc.py allows nothing else)
            schemes = (
                ("https://", "http://")
                if self.provider.issuer.startswith("http:")
                else ("https://",)
            )
            for key in ("authorization_endpoint", "token_endpoint", "jwks_uri"):
                if not str(data.get(key, "")).startswith(schemes):
                    raise OidcRefused(f"discovery has no https {key}")
            self._metadata, self._keys, self._fetched = data, None, time.monotonic()
        return self._metadata

    def keys(self, refresh: bool = False) -> KeySet:
        """The provider's signing keys (fetched again when a token names an unknown key)."""
        if self._keys is None or refresh:
            try:
                self._keys = KeySet.import_key_set(self._get(self.metadata()["jwks_uri"]))  # type: ignore[arg-type]
            except (JoseError, ValueError, TypeError) as exc:
                raise OidcRefused(f"the JWKS cannot be read: {exc}") from exc
        return self._keys

    def authorization_url(self, pending: Pending, redirect_uri: str) -> str:
        """Where to send the browser: the authorization request with state, nonce, PKCE."""
        uri: str = prepare_grant_uri(
            self.metadata()["authorization_endpoint"],
            self.provider.client_id,
            "code",
            redirect_uri=redirect_uri,
            scope=SCOPE,
            state=pending.state,
            nonce=pending.nonce,
            code_challenge=create_s256_code_challenge(pending.verifier),
            code_challenge_method="S256",
        )
        return uri

    def exchange(self, code: str, pending: Pending, redirect_uri: str) -> str:
        """The ID token for an authorization code (with the PKCE verifier and the secret)."""
        metadata = self.metadata()
        secret = self.provider.client_secret.reveal()
        form = {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": redirect_uri,
            "code_verifier": pending.verifier,
        }
        methods = metadata.get("token_endpoint_auth_methods_supported") or ["client_secret_basic"]
        auth: tuple[str, str] | None = None
        if "client_secret_basic" in methods:  # RFC 6749 2.3.1: form-encoded, then Basic
            auth = (quote(self.provider.client_id, safe=""), quote(secret, safe=""))
        else:
            form |= {"client_id": self.provider.client_id, "client_secret": secret}
        try:
            response = httpx.post(
                metadata["token_endpoint"],
                data=form,
                auth=auth,
                headers={"Accept": "application/json"},
                timeout=TIMEOUT,
            )
            body = response.json()
        except (httpx.HTTPError, ValueError) as exc:
            raise OidcRefused(f"token endpoint: {type(exc).__name__}") from exc
        if response.status_code != 200 or not isinstance(body, dict):
            error = body.get("error") if isinstance(body, dict) else None
            raise OidcRefused(f"token endpoint answered {response.status_code} {error or ''}")
        id_token = body.get("id_token")
        if not isinstance(id_token, str) or not id_token:
            raise OidcRefused("the token response has no id_token")
        return id_token

    def verify(self, id_token: str, pending: Pending, now: datetime) -> dict[str, Any]:
        """The ID token's claims after checking signature, iss, aud, azp, exp, iat, nonce."""
        allowed = self.metadata().get("id_token_signing_alg_values_supported") or ["RS256"]
        algorithms = [alg for alg in SIGNING_ALGORITHMS if alg in allowed]
        try:
            try:
                token = jwt.decode(id_token, self.keys(), algorithms=algorithms)
            except InvalidKeyIdError:  # the provider rolled its keys: fetch them again
                token = jwt.decode(id_token, self.keys(refresh=True), algorithms=algorithms)
            registry = jwt.JWTClaimsRegistry(
                now=int(now.timestamp()),
                leeway=LEEWAY_SECONDS,
                iss={"essential": True, "value": self.metadata()["issuer"]},
                aud={"essential": True, "value": self.provider.client_id},
                sub={"essential": True},
                exp={"essential": True},
                iat={"essential": True},
                nonce={"essential": True, "value": pending.nonce},
            )
            registry.validate(token.claims)
        except (JoseError, ValueError) as exc:
            raise OidcRefused(f"ID token refused: {type(exc).__name__}: {exc}") from exc
        claims = dict(token.claims)
        audience = claims.get("aud")
        if isinstance(audience, list) and len(audience) > 1:
            if claims.get("azp") != self.provider.client_id:
                raise OidcRefused("ID token refused: azp is not our client id")
        return claims


def clients_of(state: Any, providers: tuple[OidcProvider, ...]) -> dict[str, OidcClient]:
    """The app's OIDC clients by provider name (made once; they cache the metadata)."""
    clients: dict[str, OidcClient] | None = getattr(state, "oidc_clients", None)
    if clients is None:
        clients = state.oidc_clients = {p.name: OidcClient(p) for p in providers}
    return clients
