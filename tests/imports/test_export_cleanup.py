"""Export files are kept EXPORT_KEEP_DAYS days: the hourly clean-up deletes older ones, the jobs stay and say so."""
import os
from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone
from huey.contrib.djhuey import HUEY

from imports import export_jobs
from imports.models import ExportJob, ExportStatus
from imports.tasks import delete_old_export_files_every_hour


@pytest.fixture(autouse=True)
def var_dir(settings, tmp_path):
    settings.VAR_DIR = tmp_path
    return tmp_path


def written(site, days_ago: float, name: str = "u.xlsx") -> ExportJob:
    """A finished job whose file was written `days_ago` days ago (the file's time set alike)."""
    from web.views.list_tables import job_table

    job = export_jobs.run(export_jobs.create("units", site["manager"], project=site["project"], params="",
                                             ext="xlsx", total=0, title="Units", file_name=name,
                                             language="en").pk, job_table)
    assert job.status == ExportStatus.DONE, job.error
    at = timezone.now() - timedelta(days=days_ago)
    ExportJob.objects.filter(pk=job.pk).update(finished_at=at, created_at=at)
    os.utime(export_jobs.file_path(job), (at.timestamp(), at.timestamp()))
    return ExportJob.objects.get(pk=job.pk)


def state(job: ExportJob) -> tuple:
    return ExportJob.objects.filter(pk=job.pk).values_list("status", "path", "expired_at", "size", "rows_written").get()


def test_files_older_than_the_kept_days_are_deleted_and_their_jobs_say_so(site, settings):
    settings.EXPORT_KEEP_DAYS = 7
    old, recent = written(site, 8), written(site, 6)
    old_file, recent_file = export_jobs.file_path(old), export_jobs.file_path(recent)
    size = old.size
    now = timezone.now()

    assert export_jobs.delete_old_files(now) == 1

    assert not old_file.exists() and recent_file.exists()
    assert state(old) == (ExportStatus.EXPIRED, "", now, size, old.rows_written)  # the row stays, with its size
    assert state(recent) == (ExportStatus.DONE, recent.path, None, recent.size, recent.rows_written)
    assert size and size > 0
    assert export_jobs.expired(ExportJob.objects.get(pk=old.pk))


def test_a_second_run_changes_nothing(site):
    old, recent = written(site, 30), written(site, 1)
    assert export_jobs.delete_old_files() == 1
    before = (state(old), state(recent), sorted(p.name for p in export_jobs.directory().iterdir()))
    assert export_jobs.delete_old_files() == 0
    assert (state(old), state(recent), sorted(p.name for p in export_jobs.directory().iterdir())) == before
    assert before[2] == [export_jobs.file_path(recent).name]


def test_the_kept_days_come_from_the_setting(site, settings):
    job = written(site, 3)
    settings.EXPORT_KEEP_DAYS = 4
    assert export_jobs.delete_old_files() == 0 and export_jobs.file_path(job).exists()
    settings.EXPORT_KEEP_DAYS = 2
    assert export_jobs.delete_old_files() == 1 and not (settings.VAR_DIR / job.path).exists()


def test_failed_running_and_queued_jobs_are_left_alone(site):
    long_ago = timezone.now() - timedelta(days=40)
    rows = []
    for status in (ExportStatus.FAILED, ExportStatus.RUNNING, ExportStatus.QUEUED):
        job = export_jobs.create("units", site["manager"], project=site["project"], params="", ext="xlsx", total=5,
                                 title="Units", file_name="u.xlsx", language="en")
        ExportJob.objects.filter(pk=job.pk).update(status=status, created_at=long_ago, finished_at=long_ago)
        rows.append(job)
    before = [state(job) for job in rows]
    assert export_jobs.delete_old_files() == 0
    assert [state(job) for job in rows] == before


def test_the_sweep_takes_old_leftovers_and_keeps_recent_ones_and_other_files(site, var_dir):
    kept = written(site, 1)
    folder = export_jobs.directory()
    stale_part, fresh_part, orphan = folder / "export-9001.xlsx.part", folder / "export-9002.xlsx.part", \
        folder / "export-9003.csv"  # an interrupted job's part files; a file whose job is gone
    for path in (stale_part, fresh_part, orphan):
        path.write_bytes(b"x")
    old = (timezone.now() - timedelta(days=10)).timestamp()
    os.utime(stale_part, (old, old))
    os.utime(orphan, (old, old))
    other = var_dir / "huey.sqlite3"  # not the exports' folder: never touched
    other.write_bytes(b"y")
    os.utime(other, (old, old))
    assert export_jobs.delete_old_files() == 0
    assert not stale_part.exists() and not orphan.exists()
    assert fresh_part.exists() and export_jobs.file_path(kept).exists() and other.exists()


def test_a_job_marked_expired_whose_file_was_left_by_a_dead_clean_up_loses_it_at_the_next_run(site):
    old = written(site, 9)
    path = export_jobs.file_path(old)
    ExportJob.objects.filter(pk=old.pk).update(status=ExportStatus.EXPIRED, path="")  # died before the unlink
    assert path.exists()
    export_jobs.delete_old_files()
    assert not path.exists()


def test_the_clean_up_runs_hourly_as_a_huey_job(site):
    due = HUEY.read_periodic(datetime(2026, 12, 4, 10, 23, tzinfo=UTC))
    assert "delete_old_export_files_every_hour" in [task.name for task in due]
    assert "delete_old_export_files_every_hour" not in [
        task.name for task in HUEY.read_periodic(datetime(2026, 12, 4, 10, 24, tzinfo=UTC))]
    old = written(site, 8)
    assert delete_old_export_files_every_hour.call_local() == 1
    assert ExportJob.objects.get(pk=old.pk).status == ExportStatus.EXPIRED


def test_the_setting_defaults_to_seven_days():
    from config import settings as platform_settings

    assert platform_settings.EXPORT_KEEP_DAYS == 7 and export_jobs.KEEP_DAYS == 7
