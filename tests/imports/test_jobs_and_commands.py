"""Jobs: recorded, interrupted half way (nothing written) and run again; the import and export commands."""
import io

import pytest
from django.core.management import call_command
from openpyxl import load_workbook

from imports import runner
from imports.jobs import create_job, run_job
from imports.models import ImportJob, JobStatus
from kernel.models import Building, Unit
from tests.imports.conftest import read_xlsx, xlsx

HEADERS = ["building", "code", "floor", "position", "built_area", "inner_area", "list_price"]


def many_units(n: int) -> bytes:
    return xlsx(HEADERS, [["7", f"7-{i:05d}", 1 + i // 10, f"{i % 10:02d}", 90, 80, 1000000] for i in range(n)])


def test_a_job_killed_half_way_writes_nothing_and_a_rerun_completes(site, monkeypatch):
    monkeypatch.setattr(runner, "CHUNK", 100)
    job = create_job("units", site["project"], site["admin"], many_units(350), "units.xlsx", dry_run=False,
                     language="en")
    seen = []

    def killed(phase, read, validated, written, total):
        seen.append((phase, written))
        if phase == "writing" and written >= 200:
            raise runner.Interrupted()  # stands in for the process being killed mid-write

    with pytest.raises(runner.Interrupted):
        run_job(job.pk, progress=killed)
    assert ("writing", 100) in seen and ("writing", 200) in seen
    assert Unit.objects.count() == 0 and Building.objects.count() == 0
    job.refresh_from_db()
    assert job.status == JobStatus.RUNNING and job.rows_validated == 350
    done = run_job(job.pk)
    assert (done.status, done.rows_written, done.created_count, done.attempts) == (JobStatus.DONE, 350, 350, 2)
    assert Unit.objects.count() == 350


def test_a_refused_job_keeps_the_file_marked_with_its_problems(site):
    content = xlsx(HEADERS, [["7", "7-1", 1, "01", 90, 80, 1], ["7", "7-2", "x", "02", 90, 100, 1]])
    job = run_job(create_job("units", site["project"], site["admin"], content, "u.xlsx", dry_run=False,
                             language="en").pk)
    assert (job.status, job.problem_count, job.rows_written) == (JobStatus.REFUSED, 2, 0)
    marked = read_xlsx(bytes(job.error_file))
    assert marked[0][-1] == "Problems" and marked[1][-1] is None
    assert marked[2][-1] == "Floor: not a whole number; Inner area (m²): cannot be more than the built area (90.00 m²)"
    assert [p["row"] for p in job.summary["problems"]] == [3, 3]


def test_the_import_command_with_a_progress_bar_and_problems(site, tmp_path, capsys):
    path = tmp_path / "units.xlsx"
    path.write_bytes(many_units(12))
    call_command("import", "units", str(path), "--project", "NEW", "--dry-run", "--lang", "en")
    out = capsys.readouterr()
    assert "created 12" in out.out and "[###" in out.err and Unit.objects.count() == 0
    call_command("import", "units", str(path), "--project", "NEW", "--user", "admin1", "--lang", "en")
    assert Unit.objects.count() == 12
    job = ImportJob.objects.first()
    assert (job.created_by, job.file_name, job.status) == (site["admin"], "units.xlsx", JobStatus.DONE)
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(xlsx(HEADERS, [["7", "7-9", "x", "01", 90, 80, 1]]))
    with pytest.raises(SystemExit) as exited:
        call_command("import", "units", str(bad), "--project", "NEW", "--lang", "en")
    assert exited.value.code == 1
    out = capsys.readouterr().out
    assert "Sheet!2 Floor 'x': not a whole number" in out
    assert read_xlsx((tmp_path / "bad-problems.xlsx").read_bytes())[1][-1] == "Floor: not a whole number"


def test_the_template_command_writes_titles_lists_and_an_example(site, tmp_path):
    path = tmp_path / "units-template.xlsx"
    call_command("import", "units", "--template", str(path), "--project", "NEW", "--lang", "en")
    book = load_workbook(path)
    sheet = book.worksheets[0]
    assert [c.value for c in sheet[1]][:3] == ["Building *", "Building name", "Unit code *"]
    assert sheet.max_row == 1  # the data sheet holds no example to be imported by mistake
    validations = sheet.data_validations.dataValidation
    assert [(v.formula1, str(v.sqref)) for v in validations] == [("=lists!$A$1:$A$2", "K2:K100000")]
    assert [c.value for c in book["lists"]["A"]] == ["available", "withheld"]
    assert [c.value for c in book["Example"][2]][:3] == ["3", "3号楼", "3-1502"]


def test_a_template_loads_back_once_filled(site, tmp_path):
    path = tmp_path / "t.xlsx"
    call_command("import", "units", "--template", str(path), "--project", "NEW", "--lang", "en")
    book = load_workbook(path)
    example = [c.value for c in book["Example"][2]]
    book.worksheets[0].append(example)
    out = io.BytesIO()
    book.save(out)
    outcome = runner.run("units", site["project"], site["admin"], out.getvalue(), "t.xlsx", language="en")
    assert (outcome.status, outcome.created) == ("done", 1)


def test_the_export_command_writes_xlsx_and_csv(site, tmp_path):
    runner.run("units", site["project"], site["admin"], many_units(3), "u.xlsx", language="en")
    call_command("export", "units", str(tmp_path / "u.xlsx"), "--project", "NEW", "--lang", "en")
    rows = read_xlsx((tmp_path / "u.xlsx").read_bytes())
    assert rows[0][0].startswith("Units: NEW New garden, exported ")
    assert rows[1][:3] == ["Building", "Unit code", "Floor"] and len(rows) == 5
    call_command("export", "payments", str(tmp_path / "p.csv"), "--project", "NEW", "--lang", "en")
    text = (tmp_path / "p.csv").read_text(encoding="utf-8-sig").splitlines()
    assert text[1] == "Deal,Kind,Amount (yuan),Received at,Note,Overpayment" and len(text) == 2
