"""View tokens: read-only, view-scoped, expiring credentials an iframe can carry in its URL instead of an API key.

A token is ``kgv1.<expires, unix seconds>.<nonce>.<HMAC-SHA256 signature>`` signed with ``KG_VIEW_TOKEN_SECRET``;
it grants reading the views and their feeds, nothing else (never GraphQL, never a mutation).

Example:
    >>> token = make_view_token("s3cret-for-the-doctest", ttl_s=60, now=1_000)
    >>> verify_view_token("s3cret-for-the-doctest", token, now=1_030), verify_view_token("other", token, now=1_030)
    (True, False)
    >>> verify_view_token("s3cret-for-the-doctest", token, now=1_061)
    False
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import time

PREFIX = "kgv1"
MAX_LENGTH = 200  # checked before anything else: a longer string is refused without hashing it


def _signature(secret: str, payload: str) -> str:
    digest = hmac.new(secret.encode(), payload.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def make_view_token(secret: str, ttl_s: int, now: float | None = None) -> str:
    expires = int((now if now is not None else time.time()) + ttl_s)
    payload = f"{PREFIX}.{expires}.{secrets.token_urlsafe(8)}"
    return f"{payload}.{_signature(secret, payload)}"


def verify_view_token(secret: str, token: str, now: float | None = None) -> bool:
    if not token or len(token) > MAX_LENGTH or not token.isascii():
        return False
    parts = token.split(".")
    if len(parts) != 4 or parts[0] != PREFIX or not parts[1].isdigit():
        return False
    payload, signature = ".".join(parts[:3]), parts[3]
    if not hmac.compare_digest(_signature(secret, payload), signature):
        return False
    return int(parts[1]) >= (now if now is not None else time.time())
