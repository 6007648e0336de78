"""Who may do what: reads (open or key-gated by KG_API_READS_OPEN), curator and admin changes.

Permissions run before resolvers, so a denied request sends no Cypher at all.
"""

from __future__ import annotations

from typing import Any

from strawberry.permission import BasePermission
from strawberry.types import Info

from kg.core.apikeys import Role


class CanRead(BasePermission):
    message = "an API key is needed to read: send 'Authorization: Bearer <key>'"
    error_extensions = {"code": "UNAUTHENTICATED"}  # noqa: RUF012 - strawberry reads it from the class

    def has_permission(self, source: Any, info: Info, **kwargs: Any) -> bool:
        context = info.context
        if context.invalid_key:
            return False
        return bool(context.reads_open or context.principal is not None)


class HasKey(BasePermission):
    message = "an API key is needed: send 'Authorization: Bearer <key>'"
    error_extensions = {"code": "UNAUTHENTICATED"}  # noqa: RUF012 - strawberry reads it from the class

    def has_permission(self, source: Any, info: Info, **kwargs: Any) -> bool:
        return info.context.principal is not None


class IsCurator(BasePermission):
    message = "the curator role is needed for this change"
    error_extensions = {"code": "FORBIDDEN"}  # noqa: RUF012

    def has_permission(self, source: Any, info: Info, **kwargs: Any) -> bool:
        return bool(info.context.principal.role >= Role.CURATOR)


class IsAdmin(BasePermission):
    message = "the admin role is needed for this change"
    error_extensions = {"code": "FORBIDDEN"}  # noqa: RUF012

    def has_permission(self, source: Any, info: Info, **kwargs: Any) -> bool:
        return bool(info.context.principal.role >= Role.ADMIN)
