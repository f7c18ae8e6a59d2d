"""`manage.py flows ...` as implementers and scripts use it."""
from datetime import UTC
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from engine import versions
from engine.models import FlowVersion


def run(*args):
    out, err = StringIO(), StringIO()
    call_command("flows", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_validate_passes_on_the_shipped_flows(db):
    out, _ = run("validate")

    assert out.strip() == ("11 flow(s) valid: area_settlement, contract, defect, handover, lease, merchant_leasing, "
                           "mortgage, queue_number, resale, reservation, subscription")


def test_validate_says_the_flows_are_valid_in_chinese_when_asked(db):
    out, _ = run("--lang", "zh", "validate")

    assert out.strip() == ("11 个流程有效：area_settlement, contract, defect, handover, lease, merchant_leasing, "
                           "mortgage, queue_number, resale, reservation, subscription")


def test_validate_exits_1_when_any_flow_is_invalid(db, flows_dir):
    text = (flows_dir / "subscription.yaml").read_text()
    (flows_dir / "subscription.yaml").write_text(
        text.replace("to: awaiting_contract\n    roles: [sales_consultant]\n    form:\n      fields: [unit_id, buyers",
                     "to: awaiting_contrct\n    roles: [sales_consultant]\n    form:\n      fields: [unit_id, buyers", 1)
            .replace("after: 7d", "after: 7 days"))

    with pytest.raises(SystemExit) as exited:
        out, _ = run("validate", str(flows_dir))
    assert exited.value.code == 1


def test_validate_output_names_every_problem(db, flows_dir, capsys):
    path = flows_dir / "reservation.yaml"
    path.write_text(path.read_text().replace("fire: expire", "fire: expir")
                    .replace("after: {setting: reservation_hours}", "after: 72x"))
    out = StringIO()

    with pytest.raises(SystemExit):
        call_command("flows", "validate", str(path), stdout=out, stderr=StringIO())

    # sorted by line; the file is shown relative to the project root
    assert out.getvalue().splitlines() == [
        "flows/reservation.yaml: transitions[2]: transition 'expire' can never fire: "
        "it has no roles and no timer or approval uses it (line 105)",
        "flows/reservation.yaml: timers[0].after: invalid duration '72x': not a duration; "
        "write e.g. 30m, 72h, 3d, 1w, 2d12h or P3DT12H (line 163)",
        "flows/reservation.yaml: timers[0].fire: unknown transition 'expir'; did you mean 'expire'? (line 164)",
    ]


def test_validate_speaks_chinese_when_asked(db, flows_dir):
    path = flows_dir / "reservation.yaml"
    path.write_text(path.read_text().replace("fire: expire", "fire: expir"))
    out = StringIO()

    with pytest.raises(SystemExit):
        call_command("flows", "--lang", "zh", "validate", str(path), stdout=out, stderr=StringIO())

    assert "flows/reservation.yaml: timers[0].fire: 未知的流转 'expir'；是否应为 'expire'？（第 164 行）" in (
        out.getvalue().splitlines())


def test_validate_reports_a_missing_path(db, tmp_path):
    out = StringIO()
    with pytest.raises(SystemExit):
        call_command("flows", "validate", str(tmp_path / "nope.yaml"), stdout=out, stderr=StringIO())
    assert out.getvalue().strip() == f"{tmp_path / 'nope.yaml'}: no such file or directory"


def test_publish_list_diff_and_rollback(project, tmp_path):
    overrides = tmp_path / "p1-subscription.yaml"
    overrides.write_text("states:\n  awaiting_contract:\n    deadline: {after: 3d}\n")

    assert run("publish", "--project", "P1", "subscription")[0].startswith("published P1/subscription v1 (")
    assert run("publish", "--project", "P1", "subscription")[0].strip() == (
        "P1/subscription v1 already has this content; nothing published")
    assert run("publish", "--project", "P1", "--overrides", str(overrides), "subscription")[0].startswith(
        "published P1/subscription v2 (")
    assert run("diff", "--project", "P1", "subscription", "1", "2")[0].strip() == (
        "~ states.awaiting_contract.deadline.after: '7d' → '3d'")
    assert run("rollback", "--project", "P1", "subscription", "1")[0].strip() == (
        "published P1/subscription v3 with the content of v1")

    listing = run("list", "--project", "P1")[0].splitlines()
    assert [line.split()[:3] for line in listing] == [
        ["subscription", "v1", "retired"], ["subscription", "v2", "retired"], ["subscription", "v3", "published"]]
    assert listing[2].endswith("(restores v1)")


def test_publish_with_bad_overrides_lists_problems_and_publishes_nothing(project, tmp_path):
    overrides = tmp_path / "bad.yaml"
    overrides.write_text("transitions:\n  sign: {roles: [contract_clrk]}\n")
    out = StringIO()

    with pytest.raises(CommandError, match=r"1 problem\(s\); nothing was published"):
        call_command("flows", "publish", "--project", "P1", "--overrides", str(overrides), "subscription",
                     stdout=out, stderr=StringIO())

    assert out.getvalue().strip() == (
        "flows/subscription.yaml + P1 overrides: transitions[2].roles[0]: "
        "unknown role 'contract_clrk'; did you mean 'contract_clerk'?")
    assert FlowVersion.objects.count() == 0


def test_unknown_project_is_named(db):
    with pytest.raises(CommandError, match="no project with code 'NOPE'"):
        run("list", "--project", "NOPE")


def test_command_errors_speak_chinese_when_asked(project):
    with pytest.raises(CommandError, match="没有代码为 'NOPE' 的项目（现有项目：P1）"):
        run("--lang", "zh", "list", "--project", "NOPE")
    with pytest.raises(CommandError, match="P1/subscription 没有版本 3"):
        run("--lang", "zh", "show", "--project", "P1", "subscription", "3")


def test_list_reads_the_versions_in_one_query(project, django_assert_num_queries):
    versions.publish(project, "subscription")
    versions.publish(project, "subscription", overrides={"states": {"awaiting_contract": {"deadline": {"after": "3d"}}}})
    versions.rollback(project, "subscription", 1)
    versions.rollback(project, "subscription", 2)

    with django_assert_num_queries(2):  # the project, then its versions with what they restore
        listing = run("list", "--project", "P1")[0].splitlines()

    assert [line.split()[1] for line in listing] == ["v1", "v2", "v3", "v4"]
    assert (listing[2].endswith("(restores v1)"), listing[3].endswith("(restores v2)")) == (True, True)


def test_docs_for_an_unknown_flow_writes_nothing_and_suggests_the_name(db, settings, tmp_path):
    settings.ROOT_DIR = tmp_path

    with pytest.raises(CommandError, match="no flow 'subscripton' in flows/; did you mean 'subscription'\\?"):
        run("docs", "reservation", "subscripton")

    assert not (tmp_path / "docs").exists()


def test_flow_pages_in_docs_are_generated_and_up_to_date(db):
    out, _ = run("docs", "--check")

    assert out.strip() == "flow pages are up to date"


def test_diagram_is_generated_from_the_definition():
    from definitions.render import mermaid
    from tests.definitions.helpers import build_document, valid_document

    assert mermaid(build_document(valid_document())).splitlines() == [
        "stateDiagram-v2",
        '    state "草稿<br/>Draft" as draft',
        '    state "审批<br/>Review" as review',
        '    state "完成<br/>Done" as done',
        '    state "取消<br/>Cancelled" as cancelled',
        "    [*] --> draft",
        "    draft --> review: submit",
        "    review --> done: approve ✔",
        "    review --> draft: reject ⏱ 3d",
        "    draft --> cancelled: cancel",
        "    review --> cancelled: cancel",
        "    done --> [*]",
        "    cancelled --> [*]",
    ]


def test_list_shows_times_in_the_projects_zone_with_its_name(project):
    from datetime import datetime

    versions.publish(project, "subscription")
    FlowVersion.objects.update(published_at=datetime(2026, 12, 3, 6, 20, tzinfo=UTC))

    english = run("list", "--project", "P1")[0]
    chinese = run("--lang", "zh", "list", "--project", "P1")[0]

    assert "2026-12-03 14:20 (Asia/Shanghai)" in english
    assert "2026年12月3日 14:20（北京时间）" in chinese


def test_diff_shows_a_long_changed_value_whole_folded_onto_lines(project):
    versions.publish(project, "subscription")
    versions.publish(project, "subscription", overrides={"title": {"zh": "认购" * 100, "en": "Subscription"}})

    lines = run("diff", "--project", "P1", "subscription", "1", "2")[0].splitlines()

    assert lines[0] == "~ title.zh:"
    assert "".join(line.strip() for line in lines[1:] if line.strip() != "→").count("认购" * 100) == 1
    assert all(len(line) <= 140 for line in lines) and not any("..." in line for line in lines)
