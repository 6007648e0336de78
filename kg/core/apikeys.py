"""API keys: generated once, shown once, stored only as a SHA-256 hash in the settings.

A key is 32 random bytes (URL-safe text), so a fast hash is enough: there is nothing to brute-force that a
slow password hash would protect. Settings hold ``name:role:sha256hex`` entries (``KG_API_KEYS``).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from enum import IntEnum

from kg.core.errors import ConfigurationError


class Role(IntEnum):
    """Ordered: a role may do everything the roles below it may."""

    READER = 1
    CURATOR = 2
    ADMIN = 3


@dataclass(frozen=True)
class Principal:
    name: str
    role: Role


@dataclass(frozen=True)
class KeyEntry:
    name: str
    role: Role
    digest: str


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def new_key(name: str, role: Role) -> tuple[str, str]:
    """A new key and its settings entry. The key is printed once and never stored."""
    key = "kg_" + secrets.token_urlsafe(32)
    return key, f"{name}:{role.name.lower()}:{hash_key(key)}"


def parse_entries(entries: list[str]) -> list[KeyEntry]:
    parsed = []
    for entry in entries:
        parts = entry.split(":")
        if len(parts) != 3 or len(parts[2]) != 64:
            raise ConfigurationError(f"KG_API_KEYS entries are name:role:sha256hex, not {entry[:20]!r}...")
        name, role, digest = parts
        try:
            parsed.append(KeyEntry(name, Role[role.upper()], digest.lower()))
        except KeyError as error:
            raise ConfigurationError(
                f"unknown role {role!r} for API key {name!r} (reader, curator, admin)"
            ) from error
    return parsed


def authenticate(entries: list[KeyEntry], key: str) -> Principal | None:
    digest = hash_key(key)
    for entry in entries:
        if hmac.compare_digest(entry.digest, digest):
            return Principal(entry.name, entry.role)
    return None
