"""Client templates stored in the database: checked, installed per project, published and run like shipped ones."""
import shutil
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import transaction

from accounts.models import Membership
from definitions import DefinitionError
from engine import client_templates, loaded, versions
from engine.client_templates import TemplateFiles
from engine.models import ClientTemplate, FlowVersion
from engine.runtime.records import start_record
from engine.runtime.transitions import fire
from kernel.models import Customer

BUNDLE = Path(__file__).parent / "client_bundle"
TEMPLATES = BUNDLE / "templates"
SOURCE = "bundle ACME 2026-12-02"


def complaint(flow_text: str | None = None, schema_text: str | None = None) -> TemplateFiles:
    return TemplateFiles(
        "complaint",
        flow_text if flow_text is not None else (TEMPLATES / "flows" / "complaint.yaml").read_text(encoding="utf-8"),
        {"complaint.json": schema_text if schema_text is not None
         else (TEMPLATES / "schemas" / "complaint.json").read_text(encoding="utf-8")})


def test_a_client_template_is_published_and_a_record_runs_through_it(people):
    p1 = people["p1"]
    Membership.objects.create(user=people["consultant"], project=p1, role="customer_service")
    customer = Customer.objects.create(name="王芳", phone="+8613900001111")

    assert client_templates.install(complaint(), projects=[p1], source=SOURCE) is True
    version = versions.publish(p1, "complaint").version
    record = start_record(people["consultant"], p1, "complaint",
                          {"customer_id": customer.pk, "subject": "电梯噪音", "compensation": "200.00"})
    record = fire(people["consultant"], record.pk, "resolve", {"answer": "已检修"})

    assert (record.version_id, record.state, record.is_closed) == (version.pk, "resolved", True)
    assert record.data["compensation"] == "200.00"
    content = versions.definition_of(version)
    assert content.title.zh == "客户投诉"
    # the version carries the client's schema inline: it runs without the template row
    assert client_templates.withdraw("complaint", projects=[p1]) is True
    assert ClientTemplate.objects.count() == 0
    loaded._definitions.clear()
    assert versions.definition_of(FlowVersion.objects.get(pk=version.pk)).entity.name == "complaint"


def test_the_same_text_twice_changes_nothing(project):
    assert client_templates.install(complaint(), projects=[project], source=SOURCE) is True
    first = versions.publish(project, "complaint").version

    assert client_templates.install(complaint(), projects=[project], source="bundle ACME 2026-12-03") is False
    assert versions.publish(project, "complaint").created is False
    template = client_templates.for_project(project)[0]
    assert (template.name, template.source) == ("complaint", SOURCE)
    assert template.flow_text.startswith("# Service complaint 客诉")  # comments kept
    assert FlowVersion.objects.filter(project=project).get() == first


def test_a_changed_comment_is_a_new_text_but_not_a_new_version(project):
    client_templates.install(complaint(), projects=[project], source=SOURCE)
    versions.publish(project, "complaint")
    commented = complaint().flow_text.replace("# Service complaint", "# Service complaint (reviewed)")

    assert client_templates.install(complaint(commented), projects=[project], source="bundle ACME 2026-12-09") is True

    assert versions.publish(project, "complaint").created is False
    assert [t.source for t in client_templates.for_project(project)] == ["bundle ACME 2026-12-09"]
    assert ClientTemplate.objects.count() == 1  # the text no project uses is gone


def test_a_new_text_replaces_the_projects_template_and_publishes_a_new_version(people):
    p1, p2 = people["p1"], people["p2"]
    client_templates.install(complaint(), projects=[p1, p2], source=SOURCE)
    v1 = versions.publish(p1, "complaint").version
    faster = complaint().flow_text.replace("after: 48h", "after: 24h")

    assert client_templates.install(complaint(faster), projects=[p1], source="bundle ACME 2026-12-09") is True
    v2 = versions.publish(p1, "complaint").version

    assert (v1.number, v2.number) == (1, 2)
    assert versions.definition_of(v2).state("open").deadline.after.total_seconds() == 24 * 3600
    # the other project keeps the text it had
    assert "after: 48h" in client_templates.for_project(p2)[0].flow_text
    assert "after: 24h" in client_templates.for_project(p1)[0].flow_text


def test_only_the_projects_named_may_use_it(people):
    client_templates.install(complaint(), projects=[people["p1"]], source=SOURCE)

    with pytest.raises(versions.VersionError) as refused:
        versions.publish(people["p2"], "complaint")

    assert str(refused.value) == "no flow template flows/complaint.yaml"
    assert client_templates.for_project(people["p2"]) == []


def test_a_shipped_name_is_refused_and_nothing_is_written(project):
    files = TemplateFiles("defect", (Path(__file__).parents[2] / "flows" / "defect.yaml").read_text(encoding="utf-8"),
                          {"defect.json": "{}"})

    found = client_templates.problems(files, lang="en")

    assert found[:2] == [
        "templates/flows/defect.yaml: name: 'defect' is a flow template shipped with the product; "
        "give the client's template a name of its own (line 11)",
        "templates/schemas/defect.json: 'defect.json' is an entity schema shipped with the product; "
        "give the client's schema a name of its own (line 1)",
    ]
    with pytest.raises(DefinitionError):
        client_templates.install(files, projects=[project], source=SOURCE)
    assert ClientTemplate.objects.count() == 0


def test_problems_lists_every_mistake_with_file_path_and_line_in_either_language(project):
    flow = (complaint().flow_text.replace("after: 48h", "after: 48 hours")
            .replace("to: resolved", "to: resolvd").replace("escalate_to: [project_director]\n  - name",
                                                              "escalate_to: [project_directr]\n  - name"))
    schema = complaint().schema_texts["complaint.json"].replace('"type": "integer"', '"type": "intger"')

    en = client_templates.problems(complaint(flow, schema), lang="en")
    zh = client_templates.problems(complaint(flow, schema), lang="zh")

    assert en == [
        "templates/schemas/complaint.json: properties.customer_id.type: not a valid JSON Schema 2020-12: "
        "'intger' is not valid under any of the given schemas",
        "templates/flows/complaint.yaml: states[0].deadline.after: invalid duration '48 hours': not a duration; "
        "write e.g. 30m, 72h, 3d, 1w, 2d12h or P3DT12H (line 24)",
        "templates/flows/complaint.yaml: transitions[0].to: unknown state 'resolvd'; did you mean 'resolved'? "
        "(line 33)",
    ]
    assert len(zh) == 3 and "未知的状态 'resolvd'；是否应为 'resolved'？（第 33 行）" in zh[2]
    assert ClientTemplate.objects.count() == 0


def test_a_schema_that_is_not_json_is_named_with_its_line(project):
    broken = '{\n  "type": "object",\n  "properties": {\n    "subject": {"type": "string"},\n  }\n}\n'

    assert client_templates.problems(complaint(schema_text=broken), lang="en") == [
        "templates/schemas/complaint.json: JSON syntax error: Illegal trailing comma before end of object (line 4)"]


def test_templates_of_one_bundle_may_link_to_each_other(project):
    linking = complaint().flow_text.replace(
        "    to: resolved\n    roles: [customer_service]\n",
        "    to: resolved\n    roles: [customer_service]\n    actions:\n"
        "      - action: record.start_linked\n        args: {flow: callback}\n", 1)

    alone = client_templates.problems(complaint(linking), lang="en")
    with_other = client_templates.problems(complaint(linking), lang="en", others=["callback"])

    assert alone == ["templates/flows/complaint.yaml: transitions[0].actions[0].args.flow: unknown flow 'callback' "
                     "(line 37)"]
    assert with_other == []


def test_a_later_release_shipping_the_name_refuses_to_publish_naming_both(project, flows_dir):
    client_templates.install(complaint(), projects=[project], source=SOURCE)
    shutil.copy(TEMPLATES / "flows" / "complaint.yaml", flows_dir / "complaint.yaml")

    with pytest.raises(versions.VersionError) as refused:
        versions.publish(project, "complaint")

    assert str(refused.value) == ("flow 'complaint' is shipped with the product and also loaded for P1 from "
                                  "bundle ACME 2026-12-02; rename the client's template")
    assert refused.value.message("zh").startswith("流程 'complaint' 是产品自带的模板")


def test_overrides_of_a_client_template_keep_the_text_as_written(project):
    client_templates.install(complaint(), projects=[project], source=SOURCE)
    text = "# answer faster in this project\nstates:\n  open:\n    deadline: {after: 24h}  # agreed with the client\n"

    version = versions.publish(project, "complaint", overrides_text=text).version

    assert versions.overrides_text(project, "complaint") == text
    assert version.overrides_text == text
    assert versions.stored_overrides(project, "complaint") == {"states": {"open": {"deadline": {"after": "24h"}}}}
    assert "templates/flows/complaint.yaml" in str(
        pytest.raises(DefinitionError, versions.publish, project, "complaint",
                      overrides_text="states:\n  open:\n    deadline: {after: 1 day}\n").value)
    assert versions.overrides_text(project, "complaint") == text  # a refused publish keeps the old text


def test_install_is_all_or_nothing_in_the_callers_transaction(people):
    with pytest.raises(RuntimeError), transaction.atomic():
        client_templates.install(complaint(), projects=[people["p1"], people["p2"]], source=SOURCE)
        raise RuntimeError("the bundle's next step failed")

    assert ClientTemplate.objects.count() == 0


def run_validate(*paths: str, lang: str = "en") -> tuple[int, list[str]]:
    out = StringIO()
    try:
        call_command("flows", "--lang", lang, "validate", *paths, stdout=out, stderr=StringIO())
    except SystemExit as exited:
        return exited.code, out.getvalue().splitlines()
    return 0, out.getvalue().splitlines()


def test_validate_accepts_a_bundle_folder_outside_the_code_tree(db, tmp_path):
    shutil.copytree(BUNDLE, tmp_path / "acme")

    assert run_validate(str(tmp_path / "acme")) == (0, ["1 flow(s) valid: complaint"])
    assert run_validate(str(tmp_path / "acme" / "templates")) == (0, ["1 flow(s) valid: complaint"])
    assert run_validate(str(tmp_path / "acme" / "templates" / "flows" / "complaint.yaml")) == (
        0, ["1 flow(s) valid: complaint"])


def test_validate_lists_every_problem_of_a_bundle_folder_and_exits_1(db, tmp_path):
    templates = tmp_path / "acme" / "templates"
    shutil.copytree(TEMPLATES, templates)
    flow = templates / "flows" / "complaint.yaml"
    flow.write_text(flow.read_text(encoding="utf-8").replace("to: resolved", "to: resolvd"), encoding="utf-8")
    (templates / "schemas" / "unused.json").write_text('{"type": "object", "properties": {', encoding="utf-8")
    shutil.copy(Path(__file__).parents[2] / "flows" / "defect.yaml", templates / "flows" / "defect.yaml")
    (templates / "flows" / "gbk.yaml").write_bytes("title: 投诉\n".encode("gbk"))

    code, lines = run_validate(str(tmp_path / "acme"))

    where = f"{templates}/"
    assert code == 1
    assert lines == [
        f"{where}flows/gbk.yaml: the file is not UTF-8 text (byte 0xCB, column 9): save it as UTF-8 (line 1)",
        f"{where}flows/complaint.yaml: transitions[0].to: unknown state 'resolvd'; did you mean 'resolved'? (line 33)",
        f"{where}flows/defect.yaml: name: 'defect' is a flow template shipped with the product; "
        f"give the client's template a name of its own (line 11)",
        f"{where}schemas/unused.json: JSON syntax error: Expecting property name enclosed in double quotes "
        "or '}' (line 1)",
    ]


def test_validate_a_single_file_with_its_schema_next_to_it(db, tmp_path):
    shutil.copy(TEMPLATES / "flows" / "complaint.yaml", tmp_path / "complaint.yaml")
    (tmp_path / "complaint.json").write_text(
        (TEMPLATES / "schemas" / "complaint.json").read_text(encoding="utf-8").replace('"subject": {', '"subjct": {'),
        encoding="utf-8")

    code, lines = run_validate(str(tmp_path / "complaint.yaml"), lang="zh")

    assert code == 1
    assert lines == [f"{tmp_path}/complaint.yaml: start.form.fields[1]: "
                     "表单字段 'subject' 不在实体 'complaint' 中；是否应为 'subjct'？（第 14 行）"]


def test_validate_installed_checks_the_templates_in_the_database_against_this_release(people, flows_dir):
    client_templates.install(complaint(), projects=[people["p1"]], source=SOURCE)
    assert run_validate("--installed") == (0, ["1 flow(s) valid: complaint"])

    # a later release ships a flow of the same name
    shutil.copy(TEMPLATES / "flows" / "complaint.yaml", flows_dir / "complaint.yaml")

    assert run_validate("--installed") == (1, [
        "[bundle ACME 2026-12-02] templates/flows/complaint.yaml: name: 'complaint' is a flow template shipped with "
        "the product; give the client's template a name of its own (line 5)"])


def test_a_missing_schema_is_named_where_the_bundle_should_have_it(project):
    files = TemplateFiles("complaint", complaint().flow_text, {"complaints.json": complaint().schema_texts["complaint.json"]})

    assert client_templates.problems(files, lang="en") == [
        "templates/flows/complaint.yaml: entity: unknown entity schema 'complaint' (no file "
        "templates/schemas/complaint.json); did you mean 'complaints'? (line 7)"]
