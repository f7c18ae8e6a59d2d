"""`bundle load` and `bundle diff`: all or nothing, a new version only where the flow changed, records left alone."""
from __future__ import annotations

from pathlib import Path

from accounts.models import User
from engine.models import FlowVersion, Record
from engine.runtime import records
from kernel import customers
from kernel.models import Project, Unit

from .conftest import bundle, configuration
from .test_check import edit


def start_complaint(project: Project) -> Record:
    service = User.objects.get(username="hb_service")
    owner = customers.register(project_id=project.pk, consultant_id=User.objects.get(username="hb_consultant").pk,
                               name="陈先生", phone="13800138000").customer
    return records.start_record(service, project, "service_complaint", {
        "customer_id": owner.pk, "channel": "wechat", "category": "service", "urgency": "normal",
        "summary": "售楼处回复太慢"})


def shorten_the_urgent_deadline(folder: Path) -> None:
    edit(folder / "projects" / "HARBOUR" / "overrides" / "service_complaint.yaml",
         "deadline: {after: 12h}", "deadline: {after: 6h}  # 2027: six hours, the board decided")


def test_diff_says_what_loading_would_change_in_the_words_of_flows_diff_and_writes_nothing(db, sample):
    # given
    folder = sample("harbour-homes")
    bundle("load", str(folder))
    shorten_the_urgent_deadline(folder)
    edit(folder / "projects" / "HARBOUR" / "project.yaml", "protection_days: 20", "protection_days: 25")
    before = configuration()

    # when
    run = bundle("diff", str(folder))

    # then
    assert run.code == 0
    assert run.lines == [
        "HARBOUR",
        "  ~ settings.protection_days: 20 → 25",
        "HARBOUR/service_complaint",
        "  new version v2 (published now: v1):",
        "    ~ states.handling_urgent.deadline.after: '12h' → '6h'",
        "# projects/HARBOUR/overrides/service_complaint.yaml: edited since it was exported",
        "# projects/HARBOUR/project.yaml: edited since it was exported",
    ]
    assert configuration() == before


def test_a_changed_flow_is_published_as_a_new_version_and_running_records_stay_on_theirs(db, sample):
    # given a complaint running on v1
    folder = sample("harbour-homes")
    bundle("load", str(folder))
    harbour = Project.objects.get(code="HARBOUR")
    running = start_complaint(harbour)
    v1 = running.version_id
    shorten_the_urgent_deadline(folder)

    # when
    run = bundle("load", str(folder))

    # then only the changed flow got a version, with the overrides as written (comment kept)
    assert run.code == 0, run.out
    assert sorted(FlowVersion.objects.filter(project=harbour).values_list("flow", "number", "status")) == [
        ("reservation", 1, "published"), ("service_complaint", 1, "retired"), ("service_complaint", 2, "published")]
    v2 = FlowVersion.objects.get(project=harbour, flow="service_complaint", number=2)
    assert "# 2027: six hours, the board decided" in v2.overrides_text
    running.refresh_from_db()
    assert running.version_id == v1
    assert start_complaint_again(harbour).version_id == v2.pk


def start_complaint_again(project: Project) -> Record:
    service = User.objects.get(username="hb_service")
    return records.start_record(service, project, "service_complaint", {
        "customer_id": Record.objects.first().data["customer_id"], "channel": "hotline", "category": "other",
        "urgency": "normal", "summary": "再次投诉"})


def test_a_load_refused_half_way_by_the_database_leaves_nothing_written(db, sample):
    # given the client loaded, then a bundle whose settings and flow change and whose new unit the database
    # refuses: unit 1-0199 on floor 1 at position 01, where 1-0101 already is (no longer in the bundle)
    folder = sample("harbour-homes")
    bundle("load", str(folder))
    shorten_the_urgent_deadline(folder)
    edit(folder / "projects" / "HARBOUR" / "project.yaml", "protection_days: 20", "protection_days: 25")
    edit(folder / "projects" / "HARBOUR" / "units.yaml", "{code: 1-0101,", "{code: 1-0199,")
    before = configuration()

    # when
    run = bundle("load", str(folder))

    # then the flow had been published and the settings changed before the units failed, and none of it stays
    assert run.code == 1
    assert [line for line in run.lines if not line.startswith("# ")] == [
        "projects/HARBOUR/units.yaml: buildings[0].units[0]: unit 1-0101 is already on floor 1 at position 01 of "
        "building 1 (line 6)"]
    assert "1 problem(s) in 1 file(s); nothing was changed" in run.err
    assert configuration() == before
    assert not Unit.objects.filter(code="1-0199").exists()
    assert Project.objects.get(code="HARBOUR").settings["protection_days"] == 20


def test_a_dry_run_says_what_would_change_and_writes_nothing(db, sample):
    folder = sample("harbour-homes")
    before = configuration()
    run = bundle("load", "--dry-run", str(folder))
    assert run.code == 0
    assert "HARBOUR/service_complaint" in run.lines and "dry run: nothing was written" in run.lines
    assert configuration() == before


def test_messages_in_chinese_with_lang_zh(db, sample):
    folder = sample("harbour-homes")
    edit(folder / "projects" / "HARBOUR" / "project.yaml", "flows: [reservation,", "flows: [reservaton,")
    run = bundle("--lang", "zh", "check", str(folder))
    assert run.code == 1
    assert ("projects/HARBOUR/project.yaml: flows[0]: 本安装及包的 templates/flows/ 中都没有流程模板 reservaton；"
            "是否应为 reservation？（第 12 行）") in run.lines
    assert "共 1 个问题，涉及 1 个文件；未做任何更改" in run.err
