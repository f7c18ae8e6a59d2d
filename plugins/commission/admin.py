"""The commission ledger in Django's admin: read-only; entries move only through the ledger services."""
from __future__ import annotations

from django.contrib import admin

from extensions.api import ReadOnlyAdmin

from .models import CommissionDeal, CommissionEntry


@admin.register(CommissionDeal)
class CommissionDealAdmin(ReadOnlyAdmin):
    list_display = ("reference", "project", "kind", "contract_amount", "consultant", "channel", "month", "filed_at",
                    "released_at", "cancelled_at")
    list_filter = ("project", "kind", "month")
    list_select_related = ("project", "consultant")  # consultant may be empty: named, or Django skips it
    search_fields = ("reference",)


@admin.register(CommissionEntry)
class CommissionEntryAdmin(ReadOnlyAdmin):
    list_display = ("deal", "beneficiary_kind", "beneficiary", "amount", "status", "created_at", "payable_at",
                    "paid_at", "reversed_at", "note")
    list_filter = ("project", "beneficiary_kind", "status")
    list_select_related = ("deal",)
    search_fields = ("deal__reference", "beneficiary")
