"""Test keys and certificates made with the openssl command line (no extra package)."""

from __future__ import annotations

import base64
import shutil
import ssl
import subprocess
from pathlib import Path

import pytest


def _openssl(*args: str, input_bytes: bytes | None = None) -> bytes:
    if shutil.which("openssl") is None:
        pytest.skip("the openssl command is needed to make test keys")
    done = subprocess.run(["openssl", *args], input=input_bytes, capture_output=True, check=True)
    return done.stdout


def rsa_private_key_pem(bits: int = 2048) -> bytes:
    """A fresh RSA private key in PEM."""
    return _openssl("genpkey", "-algorithm", "RSA", "-pkeyopt", f"rsa_keygen_bits:{bits}")


def dkim_dns_record(private_key_pem: bytes) -> bytes:
    """The DKIM TXT record (v=DKIM1; k=rsa; p=...) publishing the key's public half."""
    der = _openssl("pkey", "-pubout", "-outform", "DER", input_bytes=private_key_pem)
    return b"v=DKIM1; k=rsa; p=" + base64.b64encode(der)


def self_signed_localhost(folder: Path) -> tuple[Path, Path]:
    """A certificate and key for 127.0.0.1 / localhost; returns (cert, key) paths."""
    cert, key = folder / "cert.pem", folder / "key.pem"
    _openssl(
        "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
        "-keyout", str(key), "-out", str(cert), "-subj", "/CN=localhost",
        "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost",
    )  # fmt: skip
    return cert, key


def server_tls_context(cert: Path, key: Path) -> ssl.SSLContext:
    """A TLS server context for the test certificate."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    return context


def client_tls_context(cert: Path) -> ssl.SSLContext:
    """A TLS client context that trusts only the test certificate."""
    return ssl.create_default_context(cafile=str(cert))
