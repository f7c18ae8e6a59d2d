"""The studio's migration page: records by version and state, a dry run with reasons, values for new required fields."""
import re

import pytest

from accounts.models import Membership
from engine import migration_jobs, versions
from engine.models import HistoryEntry, MigrationJob, Record
from engine.runtime import records, transitions

GOOD = {"unit_id": 7, "price": "1000000.00", "discount_rate": "0.05"}
NEW_REQUIRED = {"entity": {"schema": {"required": ["unit_id", "price", "discount_rate", "note"]}}}


@pytest.fixture
def admin(client, people, engine_flows):
    Membership.objects.create(user=people["manager"], project=people["p1"], role="project_admin")
    client.force_login(people["manager"])
    return client


def in_review(people, **data):
    record = records.start_record(people["consultant"], people["p1"], "discount", {**GOOD, **data})
    transitions.fire(people["consultant"], record.pk, "submit", GOOD)
    return record


def test_a_dry_run_says_why_a_record_stays_and_the_move_fills_the_new_required_field(
        admin, people, django_capture_on_commit_callbacks):
    versions.publish(people["p1"], "discount")
    kept, bare = in_review(people, note="walk-in"), in_review(people)
    versions.publish(people["p1"], "discount", overrides=NEW_REQUIRED, choices={"note": "new_only"})

    dry = admin.post("/studio/P1/discount/migrate/", {"from": "1", "action": "check"}).content.decode()
    with django_capture_on_commit_callbacks(execute=True):  # the move is a job, run after the request's commit
        asked = admin.post("/studio/P1/discount/migrate/", {"from": "1", "action": "run", "value-note": "hotline"})
    job = MigrationJob.objects.get()
    assert asked.url == f"/studio/P1/discount/migrate/{job.pk}/"
    moved = admin.get(asked.url).content.decode()

    assert "试运行：未做任何更改" in dry
    assert "其数据不符合新版本的结构" in dry  # the reason, per record, in Chinese
    assert 'name="value-note"' in dry  # a field for the newly required value
    assert "2 条记录已迁移到 v2；0 条留在 v1。" in moved
    assert (job.status, job.total, job.moved, job.refused) == ("done", 2, 2, 0)
    assert 'data-count="left">0<' in moved
    assert 'http-equiv="refresh"' not in moved  # finished: the page stops refreshing
    bare.refresh_from_db()
    assert (bare.version.number, bare.data["note"]) == (2, "hotline")
    assert HistoryEntry.objects.get(record=bare, kind=HistoryEntry.Kind.MIGRATE).details["filled"] == {
        "note": "hotline"}
    kept.refresh_from_db()
    assert kept.data["note"] == "walk-in"


def test_records_can_be_chosen_by_state(admin, people, django_capture_on_commit_callbacks):
    versions.publish(people["p1"], "discount")
    records.start_record(people["consultant"], people["p1"], "discount", GOOD)
    in_review(people)
    versions.publish(people["p1"], "discount", overrides={"states": {"draft": {"title": {"zh": "起草", "en": "D"}}}})

    with django_capture_on_commit_callbacks(execute=True):
        admin.post("/studio/P1/discount/migrate/", {"from": "1", "action": "run", "states": ["review"]})

    assert sorted(Record.objects.values_list("state", "version__number")) == [("draft", 1), ("review", 2)]


def test_the_migration_page_is_for_the_projects_admins(client, people, engine_flows):
    versions.publish(people["p1"], "discount")
    client.force_login(people["director"])

    assert client.get("/studio/P1/discount/migrate/").status_code == 404
    assert client.post("/studio/P1/discount/migrate/", {"from": "1", "action": "run"}).status_code == 404


def test_nothing_to_move_is_said(admin, people):
    versions.publish(people["p1"], "discount")
    records.start_record(people["consultant"], people["p1"], "discount", GOOD)

    page = admin.get("/studio/P1/discount/migrate/").content.decode()

    assert "data-nothing-to-move" in page


def test_a_queued_move_is_followed_on_its_page_and_shown_only_to_the_projects_admins(admin, client, people):
    versions.publish(people["p1"], "discount")
    in_review(people)
    versions.publish(people["p1"], "discount", overrides={"states": {"draft": {"title": {"zh": "起草", "en": "D"}}}})

    asked = admin.post("/studio/P1/discount/migrate/", {"from": "1", "action": "run"})  # no commit yet: queued
    page = admin.get(asked.url).content.decode()

    assert "等待开始" in page and 'http-equiv="refresh"' in page
    assert Record.objects.get().version.number == 1  # nothing moved by the request itself
    assert migration_jobs.run(MigrationJob.objects.get().pk) == "done"
    assert migration_jobs.run(MigrationJob.objects.get().pk) == "done"  # a second consumer moves nothing twice
    assert "1 条记录已迁移到 v2；0 条留在 v1。" in admin.get(asked.url).content.decode()
    client.force_login(people["director"])
    assert client.get(asked.url).status_code == 404


def test_the_state_filter_offers_only_the_states_records_can_be_moved_from(admin, people):
    # given running records on v1 and a v2 published
    versions.publish(people["p1"], "discount")
    in_review(people)
    versions.publish(people["p1"], "discount", overrides={"states": {"draft": {"title": {"zh": "起草", "en": "D"}}}})

    # when the admin opens the move form
    page = admin.get("/studio/P1/discount/migrate/?from=1").content.decode()

    # then the running states are offered, the final ones (done, lapsed: closed records, never moved) are not
    offered = re.findall(r'name="states" value="(\w+)"', page)
    assert offered == ["draft", "review", "ready"]


def test_a_move_says_its_counts_in_english_plurals_and_its_heading_in_chinese_punctuation(
        admin, people, django_capture_on_commit_callbacks):
    # given one running record on v1, and v2 published
    versions.publish(people["p1"], "discount")
    in_review(people)
    versions.publish(people["p1"], "discount", overrides={"states": {"draft": {"title": {"zh": "起草", "en": "D"}}}})

    # when the admin runs a dry run, then the move, and reads the job's page in English and in Chinese
    dry = admin.post("/studio/P1/discount/migrate/", {"from": "1", "action": "check"},
                     HTTP_ACCEPT_LANGUAGE="en").content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        asked = admin.post("/studio/P1/discount/migrate/", {"from": "1", "action": "run"})
    en = admin.get(asked.url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    zh = admin.get(asked.url, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()

    # then English counts one record as one, and Chinese writes its colon full-width
    assert "1 record, 0 refused" in dry and ">Would move<" in dry
    assert "1 record moved to v2; 0 left on v1." in en and "record(s)" not in en
    assert "From v1 to v2: finished" in en and ">Moved<" in en
    assert "从 v1 迁移到 v2：已完成" in zh
