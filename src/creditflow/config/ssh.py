"""The SSH key a configured SFTP server must present, from a key line or a known_hosts file.

Shared by the agency hand-over (`[handover]`) and the statement inbox
(`[schedule.statements_sftp]`); paramiko is imported only when a key is needed.
"""

from __future__ import annotations

import base64
from typing import Any

from creditflow.config.base import ConfigError

__all__ = ["server_key"]


def server_key(
    host_key: str | None, known_hosts: str | None, host: str, port: int, where: str
) -> Any:
    """The server's public key (a paramiko PKey); ConfigError naming `[where]` and the key."""
    import paramiko

    if host_key:
        try:
            key_type, data = host_key.split()[:2]
            return paramiko.PKey.from_type_string(key_type, base64.b64decode(data))
        except (ValueError, paramiko.SSHException) as exc:
            raise ConfigError(f"[{where}] host_key: not an SSH public key line: {exc}") from exc
    if not known_hosts:
        raise ConfigError(f"[{where}] host_key or known_hosts: needed to verify the server")
    try:
        known = paramiko.HostKeys(known_hosts)
    except OSError as exc:
        raise ConfigError(f"[{where}] known_hosts: cannot read {known_hosts}: {exc}") from exc
    name = host if port == 22 else f"[{host}]:{port}"
    keys = known.lookup(name)
    if not keys:
        raise ConfigError(f"[{where}] known_hosts: no key for {name} in {known_hosts}")
    return next(iter(keys.values()))
