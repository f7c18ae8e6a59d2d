"""Import jobs 导入任务 and the price-list revisions an import writes.

An `ImportJob` is one uploaded file of one kind for one project: who sent it and when, the
file itself (kept in the database, so a huey consumer on another machine reads the same
bytes the web process received), its progress counters, the result in words and, for a
file with problems, the copy of it with an error column. The write phase is one
transaction, so a job killed half way leaves nothing but its own row, which says it was
interrupted and can be run again.
"""
from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kernel.money import MONEY_COLUMN

# a running job whose counters have not moved for this long is taken for dead (killed, machine gone)
STALE_AFTER = timedelta(minutes=2)


class JobStatus(models.TextChoices):
    QUEUED = "queued", _("waiting to start")
    RUNNING = "running", _("running")
    CHECKED = "checked", _("checked (dry run, nothing written)")
    DONE = "done", _("imported")
    REFUSED = "refused", _("refused: the file has problems, nothing was written")
    FAILED = "failed", _("failed, nothing was written")


class JobPhase(models.TextChoices):
    READING = "reading", _("reading and checking")
    WRITING = "writing", _("writing")
    FINISHED = "finished", _("finished")


class ImportJob(models.Model):
    kind = models.CharField(_("kind"), max_length=20)
    project = models.ForeignKey("kernel.Project", on_delete=models.PROTECT, related_name="import_jobs",
                                verbose_name=_("project"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL,
                                   related_name="+", verbose_name=_("uploaded by"))
    created_at = models.DateTimeField(_("uploaded at"), default=timezone.now)
    language = models.CharField(_("language"), max_length=10, default="zh-hans",
                                help_text=_("The language the problems and the summary are written in."))
    dry_run = models.BooleanField(_("dry run"), default=False)
    file_name = models.CharField(_("file name"), max_length=200)
    file = models.BinaryField(_("uploaded file"))
    status = models.CharField(_("status"), max_length=10, choices=JobStatus.choices, default=JobStatus.QUEUED)
    phase = models.CharField(_("phase"), max_length=10, choices=JobPhase.choices, default=JobPhase.READING)
    rows_total = models.PositiveIntegerField(_("rows in the file"), null=True, blank=True)
    rows_read = models.PositiveIntegerField(_("rows read"), default=0)
    rows_validated = models.PositiveIntegerField(_("rows checked"), default=0)
    rows_written = models.PositiveIntegerField(_("rows written"), default=0)
    created_count = models.PositiveIntegerField(_("created"), default=0)
    changed_count = models.PositiveIntegerField(_("changed"), default=0)
    unchanged_count = models.PositiveIntegerField(_("unchanged"), default=0)
    summary = models.JSONField(_("summary"), default=dict, blank=True,
                               help_text=_("Counts and notes of the result, and the first problems found."))
    problem_count = models.PositiveIntegerField(_("problems"), default=0)
    error_file = models.BinaryField(_("file with the problems marked"), null=True, blank=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    updated_at = models.DateTimeField(_("last progress"), default=timezone.now)
    attempts = models.PositiveSmallIntegerField(_("runs"), default=0)

    class Meta:
        verbose_name = _("import job")
        verbose_name_plural = _("import jobs")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["project", "-created_at"], name="import_job_project_idx")]
        constraints = [models.CheckConstraint(condition=models.Q(status__in=JobStatus.values),
                                              name="import_job_status_known")]

    def __str__(self) -> str:
        return f"{self.kind} {self.file_name} ({self.status})"

    @property
    def finished(self) -> bool:
        return self.status in (JobStatus.CHECKED, JobStatus.DONE, JobStatus.REFUSED, JobStatus.FAILED)

    def interrupted(self, now=None) -> bool:
        """Started, not finished, and silent for `STALE_AFTER`: its process is gone; nothing of it was written."""
        now = now or timezone.now()
        return self.status in (JobStatus.RUNNING, JobStatus.QUEUED) and now - self.updated_at > STALE_AFTER


class PriceListRevision(models.Model):
    """One loaded price list 价目表 of a project: numbered, with the prices it set, from the job that loaded it."""

    project = models.ForeignKey("kernel.Project", on_delete=models.PROTECT, related_name="price_list_revisions",
                                verbose_name=_("project"))
    number = models.PositiveIntegerField(_("revision"))
    job = models.ForeignKey(ImportJob, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
                            verbose_name=_("import"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(_("loaded at"), default=timezone.now)
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("price list revision")
        verbose_name_plural = _("price list revisions")
        ordering = ["project", "-number"]
        constraints = [models.UniqueConstraint(fields=["project", "number"], name="price_list_revision_unique")]

    def __str__(self) -> str:
        return f"{self.project_id} r{self.number}"


class PriceListLine(models.Model):
    revision = models.ForeignKey(PriceListRevision, on_delete=models.CASCADE, related_name="lines")
    unit = models.ForeignKey("kernel.Unit", on_delete=models.PROTECT, related_name="+", verbose_name=_("unit"))
    previous_price = models.DecimalField(_("previous list price"), **MONEY_COLUMN)
    list_price = models.DecimalField(_("list price"), **MONEY_COLUMN)

    class Meta:
        verbose_name = _("price list line")
        verbose_name_plural = _("price list lines")
        constraints = [models.UniqueConstraint(fields=["revision", "unit"], name="price_list_line_unique")]


class ExportStatus(models.TextChoices):
    QUEUED = "queued", _("waiting to start")
    RUNNING = "running", _("being written")
    DONE = "done", _("ready to download")
    FAILED = "failed", _("failed")
    EXPIRED = "expired", _("expired: the file was deleted")


class ExportJob(models.Model):
    """A list too long to write inside the request (more than EXPORT_INLINE_MAX_ROWS rows), written by a huey job.

    The job keeps what the request knew: who asked (the phones are masked as they see them), the list and its
    filters (the query string of the list page), the language, so the file equals the inline export of the same
    list. The file itself is written under VAR_DIR/exports; `path` is relative to VAR_DIR. After EXPORT_KEEP_DAYS
    the periodic clean-up (export_jobs.delete_old_files) deletes the file and the row stays, status `expired`."""

    kind = models.CharField(_("list"), max_length=20)  # a project list (exports.KINDS), "records" or "inbox"
    flow = models.CharField(_("flow"), max_length=100, blank=True)
    project = models.ForeignKey("kernel.Project", null=True, blank=True, on_delete=models.PROTECT,
                                related_name="export_jobs", verbose_name=_("project"))
    title = models.CharField(_("title"), max_length=200, blank=True, help_text=_("The list's name, as the user saw it."))
    params = models.CharField(_("filters"), max_length=2000, blank=True,
                              help_text=_("The list page's query string, replayed by the job."))
    ext = models.CharField(_("format"), max_length=4, default="xlsx")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+",
                                   verbose_name=_("asked by"))
    created_at = models.DateTimeField(_("asked at"), default=timezone.now)
    language = models.CharField(_("language"), max_length=10, default="zh-hans")
    status = models.CharField(_("status"), max_length=10, choices=ExportStatus.choices, default=ExportStatus.QUEUED)
    rows_total = models.PositiveIntegerField(_("rows in the list"), default=0)
    rows_written = models.PositiveIntegerField(_("rows written"), default=0)
    file_name = models.CharField(_("file name"), max_length=200, blank=True)
    path = models.CharField(_("file"), max_length=300, blank=True)
    size = models.PositiveBigIntegerField(_("file size"), null=True, blank=True,
                                          help_text=_("In bytes, as written (kept after the file expires)."))
    error = models.TextField(_("error"), blank=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    updated_at = models.DateTimeField(_("last progress"), default=timezone.now)
    expired_at = models.DateTimeField(_("file deleted at"), null=True, blank=True,
                                      help_text=_("When the periodic clean-up deleted the file (EXPORT_KEEP_DAYS)."))

    class Meta:
        verbose_name = _("export job")
        verbose_name_plural = _("export jobs")
        ordering = ["-created_at", "-pk"]
        # a user's past exports, newest first (the "My exports" page)
        indexes = [models.Index(fields=["created_by", "-created_at"], name="export_job_asker_idx")]
        constraints = [models.CheckConstraint(condition=models.Q(status__in=ExportStatus.values),
                                              name="export_job_status_known")]

    def __str__(self) -> str:
        return f"{self.kind} {self.file_name} ({self.status})"

    @property
    def finished(self) -> bool:
        return self.status in (ExportStatus.DONE, ExportStatus.FAILED, ExportStatus.EXPIRED)

    def interrupted(self, now=None) -> bool:
        """Being written and silent for `STALE_AFTER`: its process is gone (only a .part file was left behind)."""
        now = now or timezone.now()
        return self.status == ExportStatus.RUNNING and now - self.updated_at > STALE_AFTER
