"""A project's own document templates travel in a bundle: exported as written, checked, compared and loaded."""
from __future__ import annotations

import hashlib
import shutil

import pytest

from documents.issuing import save_template
from documents.models import DocumentTemplate, DocumentTemplateRevision
from kernel.models import Project

from .conftest import bundle, configuration, folder_bytes

# a body as an admin saves it from the studio's text box: CRLF line ends, a comment, trailing spaces
FORM = ("{# 认购书：本项目的版本（法务 2026-05 审定） #}\r\n"
        "<h1>认购书</h1>   \r\n"
        "<p>买受人：{{ customer.name }}，房号 {{ unit.code }}</p>\r\n"
        "<p>付款方式：{{ data.payment_plan }}</p>")
NOTICE = "<p>{{ project.name }}：致 {{ customer.name }} 的通知</p>\n"


@pytest.fixture
def loaded(db, sample):
    """The demo sample loaded, DEMO with its own subscription form and a notice of its own."""
    folder = sample("demo-group")
    assert bundle("load", str(folder)).code == 0
    project = Project.objects.get(code="DEMO")
    save_template(project, "subscription_form", flow="subscription", title_zh="认购书（本项目）",
                  title_en="Subscription form (this project)", body=FORM)
    save_template(project, "welcome_notice", flow="", title_zh="入伙通知", title_en="Welcome notice", body=NOTICE)
    return folder, project


def test_the_projects_templates_are_exported_byte_for_byte_with_their_hashes(loaded, tmp_path):
    # given
    _folder, _project = loaded
    target = tmp_path / "out"

    # when
    run = bundle("export", "--project", "DEMO", "--project", "DEMO2", str(target))

    # then
    assert run.code == 0, run.out + run.err
    files = folder_bytes(target)
    assert files["projects/DEMO/documents/subscription_form.html"] == FORM.encode("utf-8")
    assert files["projects/DEMO/documents/welcome_notice.html"] == NOTICE.encode("utf-8")
    index = files["projects/DEMO/documents.yaml"].decode("utf-8")
    assert index.splitlines()[3:] == [
        "documents:",
        "- {name: subscription_form, flow: subscription, title_zh: 认购书（本项目）, title_en: Subscription form (this "
        "project)}",
        "- {name: welcome_notice, title_zh: 入伙通知, title_en: Welcome notice}"]
    manifest = files["manifest.yaml"].decode("utf-8")
    digest = hashlib.sha256(FORM.encode("utf-8")).hexdigest()
    assert f"  projects/DEMO/documents/subscription_form.html: sha256:{digest}" in manifest
    assert not any(name.startswith("projects/DEMO2/documents") for name in files)


def test_templates_load_into_another_installation_and_export_again_the_same(loaded, tmp_path):
    # given the bundle with the templates, and an installation that has none of them
    _folder, project = loaded
    first, again = tmp_path / "first", tmp_path / "again"
    assert bundle("export", "--project", "DEMO", "--project", "DEMO2", str(first)).code == 0
    DocumentTemplate.objects.all().delete()

    # when it is loaded
    run = bundle("load", str(first))

    # then the templates are the bundle's, each at its first revision here
    assert run.code == 0, run.out + run.err
    assert "  + document template subscription_form (认购书（本项目）)" in run.lines
    assert "  + document template welcome_notice (入伙通知)" in run.lines
    saved = {t.name: t for t in DocumentTemplate.objects.filter(project=project)}
    assert (saved["subscription_form"].body, saved["subscription_form"].flow, saved["subscription_form"].revision) \
        == (FORM, "subscription", 1)
    assert (saved["welcome_notice"].flow, saved["welcome_notice"].title_en) == ("", "Welcome notice")
    # and exported again it is the same folder, the manifest's date included
    shutil.copytree(first, again)
    assert bundle("export", "--project", "DEMO", "--project", "DEMO2", str(again)).code == 0
    assert folder_bytes(again) == folder_bytes(first)


def test_loading_the_same_templates_twice_saves_no_new_revision(loaded, tmp_path):
    # given
    target = tmp_path / "out"
    assert bundle("export", "--project", "DEMO", "--project", "DEMO2", str(target)).code == 0
    before = configuration()

    # when
    run = bundle("load", str(target))

    # then
    assert run.code == 0
    assert run.lines[-1] == "nothing to change: the installation already has this configuration"
    assert configuration() == before
    assert DocumentTemplateRevision.objects.count() == 2


def test_a_changed_text_is_one_new_revision_and_diff_says_so(loaded, tmp_path):
    # given an exported bundle whose subscription form gains a line and a new English title
    _folder, project = loaded
    target = tmp_path / "out"
    assert bundle("export", "--project", "DEMO", "--project", "DEMO2", str(target)).code == 0
    body = target / "projects/DEMO/documents/subscription_form.html"
    body.write_bytes(body.read_bytes() + "\r\n<p>认购金：{{ data.deposit }}</p>".encode())
    index = target / "projects/DEMO/documents.yaml"
    index.write_text(index.read_text(encoding="utf-8").replace("Subscription form (this project)", "Subscription"),
                     encoding="utf-8")

    # when compared, then loaded
    diff = bundle("diff", str(target))
    before = configuration()
    loaded_run = bundle("load", str(target))

    # then diff says what loading does and writes nothing; loading saves revision 2 with the text as written
    assert diff.code == 0, diff.out
    assert diff.lines[diff.lines.index("DEMO"):][1:4] == [
        "  ~ document template subscription_form: revision r1 → r2",
        "    ~ title_en: 'Subscription form (this project)' → 'Subscription'",
        "    ~ text: 1 line(s) added, 0 removed"]
    assert loaded_run.code == 0
    assert configuration()["documents"] != before["documents"]
    template = DocumentTemplate.objects.get(project=project, name="subscription_form")
    assert (template.revision, template.title_en) == (2, "Subscription")
    assert template.body == FORM + "\r\n<p>认购金：{{ data.deposit }}</p>"
    assert "# " + "DEMO: document template welcome_notice is here and not in the bundle: left as it is" \
        not in loaded_run.lines


def test_check_lists_every_mistake_of_the_documents_and_writes_nothing(loaded, tmp_path):
    # given a bundle whose documents are wrong in seven ways
    target = tmp_path / "out"
    assert bundle("export", "--project", "DEMO", "--project", "DEMO2", str(target)).code == 0
    documents = target / "projects/DEMO/documents"
    (documents / "subscription_form.html").write_text("<p>{{ customer.name }}</p>\n<p>{{ data.paymnet_plan }}</p>\n"
                                                       "<p>{{ unit.cod }}</p>\n", encoding="utf-8")
    (documents / "orphan.html").write_text("<p>{{ customer.name }}</p>\n", encoding="utf-8")
    (target / "projects/DEMO/documents.yaml").write_text(
        "documents:\n"
        "- {name: subscription_form, flow: subscription, title_zh: 认购书, title_en: Subscription form}\n"
        "- {name: welcome_notise, title_zh: 入伙通知, title_en: Welcome notice}\n"
        "- {name: handover_letter, flow: handover_x, title_zh: 交房函, title_en: Handover letter, colour: red}\n",
        encoding="utf-8")
    (documents / "handover_letter.html").write_text("<p>{{ customer.name }}</p>\n", encoding="utf-8")
    before = configuration()

    # when
    run = bundle("check", str(target))

    # then every one is listed with its file, path and line
    assert run.code == 1
    found = sorted(line for line in run.lines if "/documents" in line.split(":")[0] and not line.startswith("#"))
    assert found == sorted([
        "projects/DEMO/documents/subscription_form.html: there is no field data.paymnet_plan; did you mean "
        "data.payment_plan? (line 2)",
        "projects/DEMO/documents/subscription_form.html: there is no field unit.cod; did you mean unit.code? (line 3)",
        "projects/DEMO/documents.yaml: documents[2].flow: the flow handover_x is not published in DEMO: a document "
        "belongs to a flow of its project; did you mean handover? (line 4)",
        "projects/DEMO/documents.yaml: documents[1].name: its text is missing: there is no "
        "projects/DEMO/documents/welcome_notise.html; did you mean welcome_notice? (line 3)",
        "projects/DEMO/documents.yaml: documents[2]: unknown key colour (known: flow, name, title_en, title_zh) "
        "(line 4)",
        "projects/DEMO/documents/orphan.html: a document template's text without its entry (name, titles, flow) "
        "in projects/DEMO/documents.yaml",
        "projects/DEMO/documents/welcome_notice.html: a document template's text without its entry (name, titles, "
        "flow) in projects/DEMO/documents.yaml",
    ])
    assert configuration() == before


def test_check_names_a_templates_unknown_field_at_its_line_and_an_unpublished_flow(loaded, tmp_path):
    # given
    target = tmp_path / "out"
    assert bundle("export", "--project", "DEMO", "--project", "DEMO2", str(target)).code == 0
    (target / "projects/DEMO/documents/subscription_form.html").write_text(
        "<p>{{ customer.name }}</p>\n<p>{{ data.paymnet_plan }}</p>\n", encoding="utf-8")
    index = target / "projects/DEMO/documents.yaml"
    index.write_text(index.read_text(encoding="utf-8").replace(
        "name: welcome_notice,", "name: welcome_notice, flow: subscriptoin,"), encoding="utf-8")
    before = configuration()

    # when
    en, zh = bundle("check", str(target)), bundle("--lang", "zh", "check", str(target))

    # then
    assert en.code == zh.code == 1
    assert [line for line in en.lines if line.startswith("projects/DEMO/documents")] == [
        "projects/DEMO/documents.yaml: documents[1].flow: the flow subscriptoin is not published in DEMO: a document "
        "belongs to a flow of its project; did you mean subscription? (line 6)",
        "projects/DEMO/documents/subscription_form.html: there is no field data.paymnet_plan; did you mean "
        "data.payment_plan? (line 2)"]
    assert "projects/DEMO/documents/subscription_form.html: 没有 data.paymnet_plan 这个字段，是不是 " \
           "data.payment_plan？（第 2 行）" in zh.lines
    assert configuration() == before


def test_a_bundle_without_documents_leaves_the_projects_templates_as_they_are(loaded):
    # given the frozen sample (no documents.yaml) and a project with templates of its own
    folder, project = loaded
    before = configuration()

    # when
    run = bundle("load", str(folder))

    # then
    assert run.code == 0
    assert "# DEMO: document template subscription_form is here and not in the bundle: left as it is" in run.lines
    assert configuration() == before


def test_a_shipped_document_moved_to_another_flow_is_refused_at_the_entrys_flow(loaded, tmp_path):
    # given the subscription form said to be for every flow (it belongs to the subscription flow)
    target = tmp_path / "out"
    assert bundle("export", "--project", "DEMO", "--project", "DEMO2", str(target)).code == 0
    index = target / "projects/DEMO/documents.yaml"
    index.write_text(index.read_text(encoding="utf-8").replace("flow: subscription, ", ""), encoding="utf-8")
    before = configuration()

    # when
    run = bundle("check", str(target))

    # then
    assert run.code == 1
    assert [line for line in run.lines if line.startswith("projects/DEMO/documents")] == [
        "projects/DEMO/documents.yaml: documents[0].flow: subscription_form belongs to the flow subscription, "
        "not to every flow (line 5)"]
    assert configuration() == before
