"""The bell's list: my notifications, newest first, with a link to the work; mark one or all as read.

Two queries for the page of notifications whatever its length (the rows with their project,
and the page count); the words are made from each row's kind and params in the reader's
language (notifications.words). The header's unread count is fetched by the bell's script
from `unread_count`, so no other page pays a query for it.
"""
from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from notifications.models import Notification
from notifications.words import title
from web.display import moment
from web.typed_requests import AuthenticatedHttpRequest

PER_PAGE = 50


@login_required
def notification_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    mine = Notification.objects.filter(recipient=request.user).select_related("project").order_by("-created_at", "-pk")
    page = Paginator(mine, PER_PAGE).get_page(request.GET.get("page"))
    rows = [{"pk": n.pk, "title": title(n.kind, n.params), "kind": n.get_kind_display(), "link": n.link,
             "at": moment(n.created_at, n.project.zone), "read": n.read_at is not None,
             "project": n.project.name}  # the project as people call it; its code is the implementers' word
            for n in page.object_list]
    unread = any(not row["read"] for row in rows)
    return render(request, "web/notifications.html", {"page": page, "rows": rows, "any_unread": unread})


@login_required
def unread_count(request: AuthenticatedHttpRequest) -> JsonResponse:
    """The bell's number (read by its script, never shown as JSON)."""
    count = Notification.objects.filter(recipient=request.user, read_at__isnull=True).count()
    return JsonResponse({"unread": count})


@login_required
@require_POST
def mark_read(request: AuthenticatedHttpRequest, notification_id: int) -> HttpResponse:
    """Mark one as read; with `open`, go on to the work it links to."""
    found = Notification.objects.filter(recipient=request.user, pk=notification_id)
    found.filter(read_at__isnull=True).update(read_at=timezone.now())
    link = found.values_list("link", flat=True).first()
    if request.POST.get("open") and link and url_has_allowed_host_and_scheme(link, allowed_hosts={request.get_host()}):
        return redirect(link)
    return redirect("web:notifications")


@login_required
@require_POST
def mark_all_read(request: AuthenticatedHttpRequest) -> HttpResponse:
    Notification.objects.filter(recipient=request.user, read_at__isnull=True).update(read_at=timezone.now())
    return redirect("web:notifications")
