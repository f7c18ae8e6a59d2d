"""The commission ledger in Django's admin: read-only; entries move only through the ledger services."""
from __future__ import annotations

from django.contrib import admin

from .models import CommissionDeal, CommissionEntry


class _ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(CommissionDeal)
class CommissionDealAdmin(_ReadOnly):
    list_display = ("reference", "project", "contract_amount", "consultant", "channel", "month", "filed_at",
                    "released_at", "cancelled_at")
    list_filter = ("project", "month")
    search_fields = ("reference",)


@admin.register(CommissionEntry)
class CommissionEntryAdmin(_ReadOnly):
    list_display = ("deal", "beneficiary_kind", "beneficiary", "amount", "status", "created_at", "payable_at",
                    "paid_at", "reversed_at", "note")
    list_filter = ("project", "beneficiary_kind", "status")
    search_fields = ("deal__reference", "beneficiary")
