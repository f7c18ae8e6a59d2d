"""Page state people keep: their saved inbox and record-list filters."""
from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class SavedFilter(models.Model):
    """A named set of filters one user keeps for a page, applied by picking its name.

    `query` is the page's own query string (the filters as the page's form sends
    them), so a saved filter means exactly what the page shows when it is picked.
    """

    class Page(models.TextChoices):
        INBOX = "inbox", _("Inbox")
        RECORDS = "records", _("Records")

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="saved_filters",
                             db_index=False)
    page = models.CharField(_("page"), max_length=16, choices=Page.choices, default=Page.INBOX)
    name = models.CharField(_("name"), max_length=60)
    query = models.CharField(_("filters"), max_length=1000, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("saved filter")
        verbose_name_plural = _("saved filters")
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["user", "page", "name"], name="saved_filter_name_unique")]

    def __str__(self) -> str:
        return self.name
