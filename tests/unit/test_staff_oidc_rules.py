"""`[staff.oidc.<name>]` read from a real file, and which ID token claims give the
e-mail address per provider kind (pure rules, no network)."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from creditflow.cli import app
from creditflow.config import ConfigError, Settings, load_settings
from creditflow.config.oidc import OidcProvider, check_oidc_secrets, parse_provider
from creditflow.staff.oidc import OidcRefused, Pending, new_pending, same_state, signed_in_email

GOOD = """
[staff.oidc.entra]
kind = "entra"
issuer = "https://login.microsoftonline.com/8eaef023-2b34-4da1-9baa-8bc8c9d6a490/v2.0"
client_id = "6731de76-14a6-49ae-97bc-6eba6914391e"
client_secret_env = "CREDITFLOW_ENTRA_SECRET"
label = "Microsoft"
allowed_domains = ["Example.nl"]

[staff.oidc.google]
kind = "google"
issuer = "https://accounts.google.com"
client_id = "1234.apps.googleusercontent.com"
client_secret_env = "CREDITFLOW_GOOGLE_SECRET"
label = "Google"
"""


def load(tmp_path: Path, toml: str, **env: str) -> Settings:
    path = tmp_path / "creditflow.toml"
    path.write_text(toml, encoding="utf-8")
    return load_settings({"CREDITFLOW_CONFIG": str(path), **env})


def test_providers_are_read_in_order_with_the_secret_only_named(tmp_path):
    settings = load(tmp_path, "[staff]\nidle_minutes = 20\n" + GOOD)
    entra, google = settings.staff.oidc
    assert settings.staff.idle_minutes == 20
    assert (entra.name, entra.kind, entra.label) == ("entra", "entra", "Microsoft")
    assert entra.allowed_domains == ("example.nl",)
    assert entra.discovery_url.endswith("/v2.0/.well-known/openid-configuration")
    assert google.discovery_url == "https://accounts.google.com/.well-known/openid-configuration"
    assert google.client_secret.env == "CREDITFLOW_GOOGLE_SECRET"
    assert "CREDITFLOW_GOOGLE_SECRET" in repr(google.client_secret)
    assert load(tmp_path, "").staff.oidc == ()


def test_the_secret_comes_from_the_named_variable_and_serve_checks_it(tmp_path):
    settings = load(tmp_path, GOOD)
    environ = {"CREDITFLOW_ENTRA_SECRET": "s1", "CREDITFLOW_GOOGLE_SECRET": "s2"}
    check_oidc_secrets(settings, environ)
    assert settings.staff.oidc[1].client_secret.reveal(environ) == "s2"
    with pytest.raises(ConfigError, match=r"\[staff.oidc.google\] client_secret_env: .*unset"):
        check_oidc_secrets(settings, {"CREDITFLOW_ENTRA_SECRET": "s1"})


BASE = 'issuer = "https://id.example.nl"\nclient_id = "cf"\nclient_secret_env = "S"\n'


@pytest.mark.parametrize(
    ("toml", "message"),
    [
        ("[staff.oidc.x]\n" + BASE + 'client_secret = "hunter2"\n',
         r"\[staff.oidc.x\] client_secret: never in the file"),
        ('[staff.oidc.x]\nclient_id = "cf"\nclient_secret_env = "S"\n',
         r"\[staff.oidc.x\] issuer: required"),
        ('[staff.oidc.x]\nissuer = "http://id.example.nl"\nclient_id = "cf"\n'
         'client_secret_env = "S"\n', r"\[staff.oidc.x\] issuer: expected an https://"),
        ("[staff.oidc.x]\n" + BASE.replace('"S"', '"NOT A NAME"'),
         r"\[staff.oidc.x\] client_secret_env: expected an environment variable name"),
        ("[staff.oidc.x]\n" + BASE.replace('client_secret_env = "S"\n', ""),
         r"\[staff.oidc.x\] client_secret_env: required"),
        ("[staff.oidc.x]\n" + BASE + 'kind = "okta"\n',
         r"\[staff.oidc.x\] kind: expected one of generic, google, entra"),
        ("[staff.oidc.x]\n" + BASE + 'allowed_domains = "example.nl"\n',
         r"\[staff.oidc.x\] allowed_domains: expected a list"),
        ("[staff.oidc.x]\n" + BASE + 'allowed_domains = ["not a domain"]\n',
         r"\[staff.oidc.x\] allowed_domains: 'not a domain' is not a domain name"),
        ("[staff.oidc.x]\n" + BASE + "scope = 'openid'\n",
         r"\[staff.oidc.x\]: unknown setting\(s\) scope"),
        ("[staff.oidc.Bad_Name]\n" + BASE, r"\[staff.oidc.Bad_Name\]: the name must be"),
        ('[staff.oidc.ms]\nkind = "entra"\n'
         + BASE.replace("https://id.example.nl", "https://login.microsoftonline.com/common/v2.0"),
         r"\[staff.oidc.ms\] issuer: Entra ID needs your tenant's issuer"),
        ("[staff]\noidc = 3\n", r"\[staff.oidc\]: expected tables"),
    ],
    ids=["secret in file", "no issuer", "plain http", "bad env name", "no env", "kind",
         "domains not a list", "bad domain", "unknown key", "bad name", "entra common",
         "not a table"],
)  # fmt: skip
def test_a_bad_provider_setting_is_refused_by_section_key_and_reason(tmp_path, toml, message):
    with pytest.raises(ConfigError, match=message):
        load(tmp_path, toml)


def test_a_bad_provider_setting_exits_2_naming_it_and_never_echoes_a_secret(tmp_path, monkeypatch):
    path = tmp_path / "creditflow.toml"
    path.write_text("[staff.oidc.x]\n" + BASE + 'client_secret = "hunter2"\n', "utf-8")
    monkeypatch.setenv("CREDITFLOW_CONFIG", str(path))
    result = CliRunner().invoke(app, ["user", "list", "--db", f"sqlite:///{tmp_path}/cf.db"])
    assert result.exit_code == 2
    assert "staff.oidc.x" in result.output and "client_secret" in result.output
    assert "hunter2" not in result.output


def test_http_is_allowed_on_loopback_only():
    section = {"issuer": "http://127.0.0.1:8555", "client_id": "cf", "client_secret_env": "S"}
    assert parse_provider("local", section).label == "local"


def provider(kind: str, domains: tuple[str, ...] = ()) -> OidcProvider:
    section = {
        "kind": kind,
        "issuer": "https://login.microsoftonline.com/tenant-1/v2.0"
        if kind == "entra"
        else "https://accounts.google.com",
        "client_id": "cf",
        "client_secret_env": "S",
        "allowed_domains": list(domains),
    }
    return parse_provider(kind, section)


ISS = "https://login.microsoftonline.com/tenant-1/v2.0"


def test_google_needs_a_verified_address_and_the_workspace_domain_when_limited():
    google = provider("google")
    claims = {"email": "Anna@Example.nl", "email_verified": True}
    assert signed_in_email(google, claims) == "anna@example.nl"
    with pytest.raises(OidcRefused, match="not verified"):
        signed_in_email(google, {"email": "anna@example.nl", "email_verified": False})
    with pytest.raises(OidcRefused, match="no email claim"):
        signed_in_email(google, {"email_verified": True})
    limited = provider("google", ("example.nl",))
    with pytest.raises(OidcRefused, match="Workspace domain"):
        signed_in_email(limited, claims)  # a consumer account with a company address
    assert signed_in_email(limited, claims | {"hd": "example.nl"}) == "anna@example.nl"


def test_entra_takes_a_domain_verified_email_or_a_members_preferred_username():
    entra = provider("entra")
    vouched = {"iss": ISS, "email": "anna@example.nl", "xms_edov": True}
    assert signed_in_email(entra, vouched) == "anna@example.nl"
    member = {"iss": ISS, "email": "x@elsewhere.org", "preferred_username": "Anna@Example.nl"}
    assert signed_in_email(entra, member) == "anna@example.nl"  # email unverified: not used
    guest = member | {"idp": "https://sts.windows.net/other-tenant/"}
    with pytest.raises(OidcRefused, match="vouches"):
        signed_in_email(entra, guest)
    with pytest.raises(OidcRefused, match="not an e-mail address"):
        signed_in_email(entra, {"iss": ISS, "preferred_username": "anna"})


def test_allowed_domains_limit_every_kind():
    entra = provider("entra", ("example.nl",))
    with pytest.raises(OidcRefused, match="example.com is not allowed"):
        signed_in_email(entra, {"iss": ISS, "preferred_username": "anna@example.com"})
    generic = parse_provider(
        "corp",
        {"issuer": "https://id.example.nl", "client_id": "cf", "client_secret_env": "S",
         "allowed_domains": ["example.nl"]},
    )  # fmt: skip
    with pytest.raises(OidcRefused):
        signed_in_email(generic, {"email": "anna@example.com", "email_verified": "true"})
    assert signed_in_email(generic, {"email": "anna@example.nl", "email_verified": "true"})


def test_the_state_must_be_the_browsers_own():
    assert same_state("abc", "abc")
    assert not same_state("abc", "abd") and not same_state("abc", "")


def test_a_pending_sign_in_survives_its_cookie_fields_and_refuses_malformed_ones():
    pending = new_pending("google", "/workbench/today")
    assert Pending.from_dict(pending.as_dict()) == pending
    assert len({pending.state, pending.nonce, pending.verifier}) == 3
    assert len(pending.verifier) >= 43  # RFC 7636: 43 to 128 characters
    assert Pending.from_dict({**pending.as_dict(), "n": ""}) is None
    assert Pending.from_dict({**pending.as_dict(), "s": 5}) is None
    assert Pending.from_dict(["not", "a", "mapping"]) is None
