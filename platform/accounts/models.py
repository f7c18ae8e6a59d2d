"""Users. Project membership and roles per project arrive with the engine runtime."""
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _


class User(AbstractUser):
    """A person who logs in. Own model from day one so fields can be added later."""

    display_name = models.CharField(_("display name"), max_length=100, blank=True)

    def __str__(self) -> str:
        return self.display_name or self.username


class Membership(models.Model):
    """A user holds a role in a project. What they see and may do follows from these rows."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    project = models.ForeignKey("kernel.Project", on_delete=models.CASCADE, related_name="memberships")
    role = models.SlugField(_("role"), max_length=63)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [models.UniqueConstraint(fields=["user", "project", "role"], name="membership_unique")]
        indexes = [models.Index(fields=["project", "role"], name="membership_project_role_idx")]

    def __str__(self) -> str:
        return f"{self.user} · {self.project_id} · {self.role}"


class MembershipChange(models.Model):
    """One line of a project's members history: who gave or took which role of whom, when.

    Memberships are deleted when a role is taken away, so their own rows cannot tell the
    story; these rows are written in the same transaction as the change and never edited.
    """

    class Action(models.TextChoices):
        INVITED = "invited", _("invited")
        GIVEN = "given", _("role given")
        REMOVED = "removed", _("role removed")

    project = models.ForeignKey("kernel.Project", on_delete=models.CASCADE, related_name="membership_changes")
    member = models.ForeignKey(User, on_delete=models.CASCADE, related_name="membership_changes",
                               verbose_name=_("member"))
    action = models.CharField(_("change"), max_length=16, choices=Action.choices)
    role = models.SlugField(_("role"), max_length=63, blank=True)
    changed_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
                                   verbose_name=_("changed by"))
    at = models.DateTimeField(_("changed at"), auto_now_add=True)

    class Meta:
        verbose_name = _("membership change")
        verbose_name_plural = _("membership changes")
        indexes = [models.Index(fields=["project", "-at"], name="membership_change_recent_idx")]
