"""The shipped documents: which flows' records offer each, and their titles.

A project's own DocumentTemplate of the same name replaces the shipped body there; one
of a new name adds a document to the flow it names. The receipt is offered per payment
of any record that took one (its `subject` is the payment), so it names no flow.
"""
from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Shipped:
    name: str
    title_zh: str
    title_en: str
    flows: tuple[str, ...]  # () : the receipt, per payment of any record
    code: str  # the document reference's letters: S1-SUB-000001-RC1


RECEIPT = "receipt"
SHIPPED: dict[str, Shipped] = {s.name: s for s in (
    Shipped("subscription_form", "认购书", "Subscription form", ("subscription",), "RG"),
    Shipped(RECEIPT, "收款收据", "Payment receipt", (), "RC"),
    Shipped("contract_draft", "商品房买卖合同（草稿）", "Contract draft", ("contract",), "HT"),
    Shipped("area_settlement_notice", "面积补差通知书", "Area-settlement notice", ("area_settlement",), "BC"),
    Shipped("handover_certificate", "交房确认书", "Handover certificate", ("handover",), "JF"),
    Shipped("payment_reminder", "催款函", "Payment reminder", ("subscription", "contract"), "CK"),
)}
# for makemessages: the titles the pages show in English
_TITLES = (_("Subscription form"), _("Payment receipt"), _("Contract draft"), _("Area-settlement notice"),
           _("Handover certificate"), _("Payment reminder"))
