"""The public verification of a printed document: what its QR code opens.

An original's QR code holds the address of its verification page,
`<PLATFORM_SITE_URL>/documents/verify/<code>/`, where the code is 128 random bits kept on the
issued row (never an id or a reference one could count through). Whoever holds the paper
(a bank, the housing authority, the buyer) sees only what proves it genuine: which
document, its reference, when it was issued (the project's zone, labelled), the project,
the SHA-256 of the text as issued, how many copies were printed, and whether it is still
the latest issue or a newer original replaced it. The buyer's name is masked (张**) and
no phone or ID number is shown: the page must not tell a stranger more than the paper.

The page is rate limited per address (DRF's SimpleRateThrottle over the shared "api"
cache, the API's own limiter), so the codes cannot be tried in bulk.
"""
from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.cache import caches
from django.db.models import Count
from django.urls import reverse
from rest_framework.throttling import SimpleRateThrottle

from .catalogue import SHIPPED
from .models import DocumentTemplate, IssuedDocument

TOKEN_BYTES = 16  # 128 bits: 22 characters in the address
RATE = "30/min"  # per address: a person checks a few papers, a script trying codes is stopped


def new_token() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


def verify_url(token: str) -> str:
    """The absolute address the QR code holds (a phone's scanner needs the whole address)."""
    return settings.NOTIFICATION_SITE_URL.rstrip("/") + reverse("web:document-verify", args=[token])


def mask_name(name: str) -> str:
    """张伟明 -> 张**, Li Na -> L***: enough to match the paper in hand, too little to learn a name from."""
    name = (name or "").strip()
    if len(name) <= 1:
        return "*" * len(name)
    return name[0] + "*" * (len(name.replace(" ", "")) - 1)


def facts_of(context: dict) -> dict:
    """What the verification page may show beyond the document itself, from the document's context."""
    return {"buyer": mask_name((context.get("customer") or {}).get("name", "")),
            "unit": (context.get("unit") or {}).get("code", "")}


@dataclass(frozen=True)
class Verified:
    """One issued original as its verification page shows it (plain values, no personal data)."""

    reference: str
    title_zh: str
    title_en: str
    issued_at: datetime
    zone: ZoneInfo
    project: str
    content_hash: str
    copies: int
    buyer: str
    unit: str
    newer_reference: str | None  # None: the latest issue
    newer_issued_at: datetime | None

    def title(self, lang: str) -> str:
        return self.title_zh if lang.startswith("zh") else self.title_en


def _titles(document: IssuedDocument) -> tuple[str, str]:
    shipped = SHIPPED.get(document.template)
    if shipped is not None:
        return shipped.title_zh, shipped.title_en
    own = (DocumentTemplate.objects.filter(project_id=document.project_id, name=document.template)
           .values_list("title_en", flat=True).first())
    return document.title, own or document.title


def verify(token: str) -> Verified | None:
    """The original whose QR code holds `token`, or None (two or three queries)."""
    if not token or len(token) > 32:
        return None
    document = (IssuedDocument.objects.filter(verify_token=token, copy_number=0).select_related("project")
                .annotate(copies_made=Count("copies")).first())
    if document is None:
        return None
    # a later original of the same document (and, for a receipt, the same payment) replaces this one
    newer = (IssuedDocument.objects.filter(record_id=document.record_id, template=document.template,
                                           subject=document.subject, copy_number=0, pk__gt=document.pk)
             .order_by("-pk").values_list("reference", "issued_at").first())
    zh, en = _titles(document)
    facts = document.facts if isinstance(document.facts, dict) else {}
    return Verified(reference=document.reference, title_zh=zh, title_en=en, issued_at=document.issued_at,
                    zone=document.project.zone, project=document.project.name,
                    content_hash=document.content_hash, copies=document.copies_made,
                    buyer=str(facts.get("buyer") or ""), unit=str(facts.get("unit") or ""),
                    newer_reference=newer[0] if newer else None, newer_issued_at=newer[1] if newer else None)


class VerifyThrottle(SimpleRateThrottle):
    """At most RATE look-ups per client address, counted in the cache the API's limiter uses."""

    scope = "document_verify"
    rate = RATE
    cache = caches["api"]

    def get_rate(self) -> str:
        return self.rate

    def get_ident(self, request) -> str:
        """The client's address: the connection's, or with PLATFORM_PROXY_COUNT proxies in front, the one
        the first of them saw (as the login audit reads it). X-Forwarded-For is believed no further:
        a client writing its own would otherwise get a fresh allowance with every request."""
        proxies = getattr(settings, "AXES_IPWARE_PROXY_COUNT", None) or 0
        forwarded = [a.strip() for a in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if a.strip()]
        if proxies and forwarded:
            return forwarded[-min(proxies, len(forwarded))]
        return str(request.META.get("REMOTE_ADDR", ""))

    def get_cache_key(self, request, view) -> str:
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


def allowed(request) -> tuple[bool, int]:
    """Whether this client may look up a code now; else the seconds to wait."""
    throttle = VerifyThrottle()
    if throttle.allow_request(request, None):  # type: ignore[arg-type]  # a Django view: no DRF view, none read
        return True, 0
    return False, int(throttle.wait() or 60) + 1
