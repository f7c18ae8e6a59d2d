"""The page a printed document's QR code opens: is this paper genuine, and is it the latest issue?

Open to anyone holding the link (a bank, the housing authority, the buyer): no login, and
nothing beyond what the paper itself prints; the buyer's name masked (documents.verification).
Rate limited per address, so the codes cannot be tried in bulk.
"""
from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from documents.verification import allowed, verify
from kernel.zones import local_text, zone_name

from .common import lang


@require_safe
@never_cache  # a superseded paper must not be shown as current from a cache
def verify_document(request: HttpRequest, token: str) -> HttpResponse:
    ok, wait = allowed(request)
    if not ok:
        response = render(request, "web/document_verify.html", {"limited": True, "wait": wait}, status=429)
        response["Retry-After"] = str(wait)
        return response
    found = verify(token)
    if found is None:
        return render(request, "web/document_verify.html", {"missing": True}, status=404)
    language = lang()
    return render(request, "web/document_verify.html", {
        "doc": found,
        "title": found.title(language),
        "issued_at": local_text(found.issued_at, found.zone, language),
        "zone": zone_name(found.zone, language),
        "newer_at": local_text(found.newer_issued_at, found.zone, language) if found.newer_issued_at else "",
        # the hash in groups of eight, so it wraps on a phone and can be read out
        "hash_groups": [found.content_hash[i:i + 8] for i in range(0, len(found.content_hash), 8)],
    })
