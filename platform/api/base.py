"""The API's base view: Idempotency-Key on every write, problem details, and the caller's projects.

A write (POST, PUT, PATCH, DELETE) sent with `Idempotency-Key` is answered once: its
response is kept for 24 hours per user and key, and a retry with the same method, path
and body gets that response again (with `Idempotent-Replayed: true`) without acting; the
same key with another request is refused with 422. Server errors (5xx), 401 and 429 are
not kept, so a retry after them really retries. The engine's own idempotency keys are
given the same key, so two identical requests racing still act once.
"""
from __future__ import annotations

import hashlib
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework.renderers import JSONRenderer
from rest_framework.views import APIView

from kernel.models import Project

from .auth import in_scope, memberships
from .models import IdempotentResponse
from .problems import Problem
from .renderers import ProblemJSONRenderer

KEPT_FOR = timedelta(hours=24)
WRITES = frozenset({"POST", "PUT", "PATCH", "DELETE"})
NOT_KEPT = frozenset({401, 429})


class _Replay(Exception):
    def __init__(self, response: HttpResponse):
        self.response = response


def request_hash(request) -> str:
    """The request's method, path and body; a multipart upload by its fields and its files' contents (its raw
    body may be larger than Django keeps in memory)."""
    if (request.content_type or "").startswith("multipart/"):
        digest = hashlib.sha256(b"\n".join([request.method.encode(), request.get_full_path().encode()]))
        for name, values in sorted(request.POST.lists()):
            digest.update(f"\n{name}={values}".encode())
        for name, upload in sorted(request.FILES.items()):
            digest.update(f"\n{name}:{upload.name}:".encode())
            for chunk in upload.chunks():
                digest.update(chunk)
            upload.seek(0)
        return digest.hexdigest()
    return hashlib.sha256(b"\n".join([request.method.encode(), request.get_full_path().encode(),
                                      request.body])).hexdigest()


class ApiView(APIView):
    def idempotency_key(self, request) -> str | None:
        key = request.headers.get("Idempotency-Key", "").strip()
        if request.method not in WRITES or not key:
            return None
        if len(key) > 200:
            raise Problem(400, "bad_idempotency_key", _("The Idempotency-Key is longer than 200 characters."))
        return key

    def engine_key(self, request) -> str | None:
        """The key handed to the engine's own idempotency (64 characters, per user: two users' keys never meet)."""
        key = self.idempotency_key(request)
        return hashlib.sha256(f"{request.user.pk}:{key}".encode()).hexdigest() if key else None

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)  # authenticated, permitted, throttled
        self._kept_key = None
        key = self.idempotency_key(request)
        if key is None:
            return
        digest = request_hash(request)
        first = IdempotentResponse.objects.filter(user=request.user, key=key).first()
        if first is not None and first.created_at < timezone.now() - KEPT_FOR:
            first.delete()
            first = None
        if first is not None:
            if first.request_hash != digest:
                raise Problem(422, "idempotency_key_reused", _(
                    "This Idempotency-Key was already used for a different request. Use a new key for a new "
                    "request; send exactly the same request to retry."))
            replay = HttpResponse(bytes(first.body), status=first.status, content_type=first.content_type)
            replay["Idempotent-Replayed"] = "true"
            raise _Replay(replay)
        self._kept_key = (key, digest)

    def handle_exception(self, exc):
        if isinstance(exc, _Replay):
            return exc.response
        return super().handle_exception(exc)

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        if getattr(response, "is_problem", False) and isinstance(response.accepted_renderer, JSONRenderer):
            response.accepted_renderer = ProblemJSONRenderer()
            response.accepted_media_type = ProblemJSONRenderer.media_type
        kept = getattr(self, "_kept_key", None)
        if kept and response.status_code < 500 and response.status_code not in NOT_KEPT:
            response.render()
            key, digest = kept
            now = timezone.now()
            IdempotentResponse.objects.filter(created_at__lt=now - KEPT_FOR).delete()
            try:
                with transaction.atomic():
                    IdempotentResponse.objects.create(
                        user=request.user, key=key, method=request.method, path=request.get_full_path()[:500],
                        request_hash=digest, status=response.status_code, body=response.content,
                        content_type=response.get("Content-Type", "application/json"), created_at=now)
            except IntegrityError:
                pass  # the same request, answered a moment earlier by another process: its answer stands
        return response

    # -- the caller's projects --------------------------------------------------------------------

    def project(self, request, code: str) -> tuple[Project, frozenset[str]]:
        """The project (by code) and the caller's roles there; 404 to a stranger or outside the token's scope."""
        project = Project.objects.filter(code=code).first()
        roles = memberships(request).get(project.pk, frozenset()) if project else frozenset()
        superuser = bool(request.user.is_superuser) and project is not None and in_scope(request, project.pk)
        if project is None or not (roles or superuser):
            raise Problem(404, "not_found", _("There is no project %(code)s, or you are not a member of it.")
                          % {"code": code})
        return project, roles
