"""Who is calling: a session (the browser, with CSRF as DRF checks it) or `Authorization: Bearer <token>`.

A token acts as its user with the user's roles, narrowed to its projects (none chosen:
all the user's) and to reading unless it was issued for writing. A revoked, unknown or
inactive user's token is refused with 401. Rates are counted per token (per user on a
session) in the "api" cache.
"""
from __future__ import annotations

from datetime import timedelta

from django.core.cache import caches
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework import authentication, exceptions, permissions, throttling
from rest_framework.request import Request

from kernel.access import memberships_of

from .models import ApiToken, digest

# last_used_at is written at most this often per token: not one UPDATE per request
LAST_USED_PRECISION = timedelta(minutes=1)


class BearerTokenAuthentication(authentication.BaseAuthentication):
    keyword = "Bearer"

    def authenticate(self, request: Request):
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].lower() != self.keyword.lower().encode():
            return None  # not ours: the session may still authenticate
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(_("The Authorization header must be “Bearer” and the token, "
                                                    "separated by one space."))
        try:
            secret = header[1].decode()
        except UnicodeDecodeError:
            raise exceptions.AuthenticationFailed(_("The token has characters no token has.")) from None
        token = ApiToken.objects.select_related("user").filter(secret_hash=digest(secret)).first()
        if token is None:
            raise exceptions.AuthenticationFailed(_("This token is not known. Check that it was copied whole."))
        if not token.active:
            raise exceptions.AuthenticationFailed(_("This token was revoked. Ask for a new one."))
        if not token.user.is_active:
            raise exceptions.AuthenticationFailed(_("The account of this token is disabled."))
        now = timezone.now()
        if token.last_used_at is None or now - token.last_used_at > LAST_USED_PRECISION:
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
            token.last_used_at = now
        token.project_ids = frozenset(token.projects.values_list("pk", flat=True))
        return token.user, token

    def authenticate_header(self, request: Request) -> str:
        return self.keyword  # so a missing credential is a 401 with WWW-Authenticate, not a 403


def token_of(request) -> ApiToken | None:
    auth = getattr(request, "auth", None)
    return auth if isinstance(auth, ApiToken) else None


def memberships(request) -> dict[int, frozenset[str]]:
    """project id -> the caller's roles there, narrowed to the token's projects (one query, kept on the request)."""
    cached = getattr(request, "_api_memberships", None)
    if cached is None:
        cached = memberships_of(request.user.pk)
        token = token_of(request)
        if token is not None and token.project_ids:
            cached = {pk: roles for pk, roles in cached.items() if pk in token.project_ids}
        request._api_memberships = cached
    return cached


def in_scope(request, project_id: int) -> bool:
    """The token (if any) reaches this project. A session reaches every project."""
    token = token_of(request)
    return token is None or not token.project_ids or project_id in token.project_ids


class TokenScope(permissions.BasePermission):
    """A read-only token may only read."""

    message = _("This token may only read: ask for a token with the write scope to change anything.")

    def has_permission(self, request, view) -> bool:
        token = token_of(request)
        return token is None or request.method in permissions.SAFE_METHODS or token.may_write


class PerTokenThrottle(throttling.SimpleRateThrottle):
    scope = "api"
    cache = caches["api"]

    def get_cache_key(self, request, view) -> str | None:
        token = token_of(request)
        if token is not None:
            return f"throttle_api_token_{token.pk}"
        if request.user and request.user.is_authenticated:
            return f"throttle_api_user_{request.user.pk}"
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}
