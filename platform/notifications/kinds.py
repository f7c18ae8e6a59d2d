"""The kinds of notification: their own module, as both the models (a notification's kind) and
the words (what each kind says) read them, and the models' `__str__` reads the words."""
from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Kind(models.TextChoices):
    TASK_ASSIGNED = "task_assigned", _("task assigned to me")
    TASK_OFFERED = "task_offered", _("task offered to me")
    TASK_ESCALATED = "task_escalated", _("task escalated to me")
    SENT_BACK = "sent_back", _("my record sent back")
    APPROVAL_DECIDED = "approval_decided", _("approval of my record decided")
    RESERVATION_EXPIRING = "reservation_expiring", _("my reservation about to expire")
    FOLLOW_UPS_DUE = "follow_ups_due", _("my follow-ups due today")
    PAYMENT_DUE = "payment_due", _("a payment falling due")
    PAYMENT_OVERDUE = "payment_overdue", _("a payment overdue")
    CUSTOMER_BIRTHDAY = "customer_birthday", _("my customer's birthday")
    SUBSCRIPTION_EXPIRING = "subscription_expiring", _("my subscription due to become a contract")
    CUSTOMER_KEY_DATE = "customer_key_date", _("my customer's handover anniversary")
