"""Companies 开发商/集团: the projects of one developer, which share one customer base.

A customer is one person per installation (the phone is unique); what a project's staff
may see of a customer registered in another project is decided by the company: projects
of one company see each other's customers as "registered elsewhere" unless the company
shares its customer base in full (`share_customers`). Projects of other companies never
learn anything about the customer beyond what the viewer's own project holds.
"""
from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Company(models.Model):
    code = models.SlugField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=200)
    share_customers = models.BooleanField(
        _("share customers across projects"), default=False,
        help_text=_("When on, staff of every project of the company see customers registered in the "
                    "company's other projects as their own project's (phone still masked per role)."))

    class Meta:
        verbose_name = _("company")
        verbose_name_plural = _("companies")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class Region(models.Model):
    """A region 区域 of a company: the level between the company and its projects, where figures roll up."""

    company = models.ForeignKey(Company, on_delete=models.PROTECT, related_name="regions", verbose_name=_("company"))
    code = models.SlugField(_("code"), max_length=32)
    name = models.CharField(_("name"), max_length=200)

    class Meta:
        verbose_name = _("region")
        verbose_name_plural = _("regions")
        ordering = ["company__code", "code"]
        constraints = [models.UniqueConstraint(fields=["company", "code"], name="region_code_per_company")]

    def __str__(self) -> str:
        return self.name
