"""Members' points: an account per customer and project, the lots awards create, and every movement.

- `PointsAccount.balance` is what the member can spend; the row is locked whenever it
  changes and a check constraint refuses a negative value, so no interleaving of
  redemptions can overdraw it.
- `PointsLot` is one award (a purchase, a referral, an event) with what is left of it
  and when it expires. One event awards a member once: the pair (account, source_key)
  is unique, so even two simultaneous awards of one event leave one lot.
- `PointsEntry` is the append-only journal: earned, redeemed, expired, reversed, with the
  balance after each, which is what a member's points statement shows.
- A reversal (a cancelled deal) marks its lot `reversed_at`, once; the lot then has
  nothing left, so redemption and expiry pass it by.
"""
from __future__ import annotations

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _


class PointsAccount(models.Model):
    project = models.ForeignKey("kernel.Project", on_delete=models.PROTECT, related_name="+")
    customer = models.ForeignKey("kernel.Customer", on_delete=models.PROTECT, related_name="+")
    balance = models.IntegerField(_("balance"), default=0)
    points_ever_earned = models.IntegerField(_("points ever earned"), default=0)
    level = models.CharField(_("level"), max_length=31, blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("points account")
        verbose_name_plural = _("points accounts")
        constraints = [
            models.UniqueConstraint(fields=["project", "customer"], name="points_account_one_per_member"),
            models.CheckConstraint(condition=Q(balance__gte=0), name="points_balance_never_negative"),
            models.CheckConstraint(condition=Q(points_ever_earned__gte=F("balance")),
                                   name="points_balance_within_earned"),
        ]

    def __str__(self) -> str:
        return f"{self.customer_id} @ {self.project_id}: {self.balance}"


class AwardRule(models.TextChoices):
    PURCHASE = "purchase", _("signed purchase")
    REFERRAL = "referral", _("referral that signed")
    EVENT = "event", _("event")


class PointsLot(models.Model):
    account = models.ForeignKey(PointsAccount, on_delete=models.PROTECT, related_name="lots")
    rule = models.CharField(_("rule"), max_length=16, choices=AwardRule.choices)
    source_key = models.CharField(_("event"), max_length=100,
                                  help_text=_("What was awarded for, e.g. purchase:1042; one award per member."))
    reference = models.CharField(_("reference"), max_length=32)
    points = models.PositiveIntegerField(_("points"))
    remaining = models.PositiveIntegerField(_("remaining"))
    earned_at = models.DateTimeField(_("earned at"))
    expires_at = models.DateTimeField(_("expires at"), null=True, blank=True)
    reversed_at = models.DateTimeField(_("reversed at"), null=True, blank=True,
                                       help_text=_("When the award was taken back (its deal was cancelled)."))
    # The revision in force at the event that earned it (its points and expiry are that
    # revision's); empty for lots awarded before revisions were kept on them.
    rules_revision = models.PositiveIntegerField(_("rules revision"), null=True, blank=True)

    class Meta:
        verbose_name = _("points lot")
        verbose_name_plural = _("points lots")
        ordering = ["earned_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["account", "source_key"], name="points_lot_one_award_per_event"),
            models.CheckConstraint(condition=Q(points__gt=0) & Q(remaining__gte=0) & Q(remaining__lte=F("points")),
                                   name="points_lot_remaining_within_points"),
        ]
        indexes = [models.Index(fields=["account", "expires_at"], name="points_lot_expiry_idx")]

    def __str__(self) -> str:
        return f"{self.source_key}: {self.remaining}/{self.points}"


class EntryKind(models.TextChoices):
    EARN = "earn", _("earned")
    REDEEM = "redeem", _("redeemed")
    EXPIRE = "expire", _("expired")
    REVERSE = "reverse", _("reversed")


class PointsEntry(models.Model):
    account = models.ForeignKey(PointsAccount, on_delete=models.PROTECT, related_name="entries")
    kind = models.CharField(_("kind"), max_length=8, choices=EntryKind.choices)
    points = models.IntegerField(_("points"), help_text=_("Positive when earned, negative when redeemed or expired."))
    balance_after = models.IntegerField(_("balance after"))
    lot = models.ForeignKey(PointsLot, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    source_key = models.CharField(_("event"), max_length=100, blank=True)
    reference = models.CharField(_("reference"), max_length=32, blank=True)
    allocations = models.JSONField(_("taken from"), default=list, blank=True,
                                   help_text=_("For a redemption: [[lot id, points], ...], oldest first."))
    shortfall = models.PositiveIntegerField(_("shortfall"), default=0, help_text=_(
        "For a reversal: points of the award already redeemed that the member's balance could not cover."))
    at = models.DateTimeField(_("at"))
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("points entry")
        verbose_name_plural = _("points entries")
        ordering = ["at", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(balance_after__gte=0), name="points_entry_balance_never_negative"),
            models.CheckConstraint(condition=Q(kind=EntryKind.EARN, points__gt=0)
                                   | Q(kind=EntryKind.REVERSE, points__lte=0)
                                   | ~Q(kind__in=[EntryKind.EARN, EntryKind.REVERSE]) & Q(points__lt=0),
                                   name="points_entry_sign_follows_kind"),
            models.UniqueConstraint(fields=["account", "source_key"],
                                    condition=Q(kind=EntryKind.REDEEM) & ~Q(source_key=""),
                                    name="points_entry_one_redemption_per_request"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.points} → {self.balance_after}"

    def save(self, *args, **kwargs) -> None:
        if self.pk is not None:
            raise JournalIsAppendOnly(self)
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise JournalIsAppendOnly(self)


class JournalIsAppendOnly(Exception):
    def __init__(self, entry: PointsEntry):
        super().__init__(f"points entry {entry.pk} is in the journal and cannot change")
