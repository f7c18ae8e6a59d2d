"""Work in the inbox: tasks opened by states, their candidate roles, and approval votes."""
from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class TaskStatus(models.TextChoices):
    OPEN = "open", _("open")
    DONE = "done", _("done")
    CANCELLED = "cancelled", _("cancelled")


class Task(models.Model):
    """One piece of work. Approvals are groups of slots sharing `name`: one per role
    for `all`, one shared by every role for `any`, N shared slots for `N`."""

    record = models.ForeignKey("engine.Record", on_delete=models.CASCADE, related_name="tasks", db_index=False)
    project = models.ForeignKey("kernel.Project", on_delete=models.CASCADE, related_name="+", db_index=False)
    flow = models.SlugField(max_length=63, db_index=False)
    state = models.SlugField(max_length=63, db_index=False, help_text=_("The record state that opened the task."))
    visit = models.PositiveIntegerField(help_text=_("Which entry into the state opened it (the record revision)."))
    name = models.SlugField(max_length=63, db_index=False)
    kind = models.CharField(max_length=16, default="work")
    status = models.CharField(max_length=16, choices=TaskStatus.choices, default=TaskStatus.OPEN)
    roles = models.JSONField(default=list)
    role = models.SlugField(max_length=63, blank=True, db_index=False,
                            help_text=_("The one role that may claim it. Tasks several roles may claim, and "
                                        "escalated ones, list their roles in TaskCandidate instead."))
    assignee = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="assigned_tasks", db_index=False)
    delegate = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="delegated_tasks", db_index=False,
                                 help_text=_("Acts for the assignee, then hands the task back."))
    delegation_note = models.TextField(blank=True)
    added_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="+", db_index=False,
                                 help_text=_("Set on approver slots added to a running approval."))
    outcome = models.CharField(max_length=63, blank=True)
    due_at = models.DateTimeField(null=True, blank=True)
    escalated_at = models.DateTimeField(null=True, blank=True)
    opened_at = models.DateTimeField(auto_now_add=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                  related_name="+", db_index=False)

    class Meta:
        indexes = [
            models.Index(fields=["project", "role", "due_at"],
                         condition=Q(status="open", assignee__isnull=True) & ~Q(role=""),
                         name="task_open_claimable_idx"),
            models.Index(fields=["assignee", "due_at"], condition=Q(status="open"), name="task_open_assignee_idx"),
            models.Index(fields=["delegate", "due_at"], condition=Q(status="open"), name="task_open_delegate_idx"),
            models.Index(fields=["record", "status"], name="task_record_status_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.status})"


class TaskCandidate(models.Model):
    """A role that may claim a task several roles share, or that a deadline escalated it to."""

    task = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="candidates", db_index=False)
    project = models.ForeignKey("kernel.Project", on_delete=models.CASCADE, related_name="+", db_index=False)
    role = models.SlugField(max_length=63, db_index=False)
    is_open = models.BooleanField(default=True)
    due_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["task", "role"], name="task_candidate_unique")]
        indexes = [models.Index(fields=["project", "role", "due_at"], condition=Q(is_open=True),
                                name="task_candidate_open_idx")]


class Vote(models.Model):
    class Decision(models.TextChoices):
        APPROVE = "approve", _("approve")
        REJECT = "reject", _("reject")

    task = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="votes", db_index=False)
    record = models.ForeignKey("engine.Record", on_delete=models.CASCADE, related_name="votes")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", db_index=False)
    role = models.SlugField(max_length=63, blank=True, db_index=False)
    decision = models.CharField(max_length=16, choices=Decision.choices)
    comment = models.TextField(blank=True)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["task", "user"], name="vote_once_per_slot")]
