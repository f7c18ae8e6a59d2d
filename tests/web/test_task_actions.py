"""Each task action of the record page: it does what it says and says so, or says why not, in words."""
import pytest
from django.urls import reverse

from engine import versions
from engine.models import HistoryEntry, Record, Task
from engine.runtime import records, tasks, transitions

SUBMIT = {"unit_id": 7, "price": "1.00", "discount_rate": "0.05"}


@pytest.fixture
def p(engine_flows, people):
    versions.publish(people["p1"], "discount")
    return people


@pytest.fixture
def draft(p):
    return records.start_record(p["consultant"], p["p1"], "discount", {"unit_id": 7})


@pytest.fixture
def review(p, draft):
    transitions.fire(p["consultant"], draft.pk, "submit", SUBMIT)
    return draft


def _task(record, name: str, **where) -> Task:
    return Task.objects.get(record=record, name=name, status="open", **where)


def _post(client, user, url, data=None) -> str:
    client.force_login(user)
    response = client.post(url, data or {}, follow=True)
    assert response.status_code == 200
    return response.content.decode()


def _action(task, action: str) -> str:
    return reverse("web:task-action", args=[task.pk, action])


def _kinds(record) -> list[str]:
    return list(HistoryEntry.objects.filter(record=record).order_by("seq").values_list("kind", flat=True))


def _pooled(record) -> None:
    """No consultant's record yet (the team's pool, engine.runtime.visibility): every consultant sees it."""
    Record.objects.filter(pk=record.pk).update(created_by=None)


def test_claiming_says_so_and_a_second_claim_is_refused_in_words(client, p, draft):
    _pooled(draft)
    task = _task(draft, "prepare")

    page = _post(client, p["consultant2"], _action(task, "claim"))
    assert "您已认领「准备」。" in page
    refused = _post(client, p["consultant"], _action(task, "claim"))

    assert Task.objects.get(pk=task.pk).assignee == p["consultant2"]
    assert f"consultant2 已认领 {draft.reference} 的任务「准备」" in refused  # the task by its title


def test_releasing_a_claimed_task_puts_it_back_and_a_colleague_cannot_release_it(client, p, draft):
    _pooled(draft)
    task = _task(draft, "prepare")
    tasks.claim(p["consultant"], task.pk)

    refused = _post(client, p["consultant2"], _action(task, "unclaim"))
    assert "您无权释放他人持有的任务" in refused and Task.objects.get(pk=task.pk).assignee == p["consultant"]
    page = _post(client, p["consultant"], _action(task, "unclaim"))

    assert "「准备」已释放，相应角色可重新认领。" in page
    assert Task.objects.get(pk=task.pk).assignee is None


def test_completing_required_work_unlocks_the_step_and_the_wrong_role_is_refused(client, p, review):
    record = review
    for slot in Task.objects.filter(record=record, kind="approval"):
        from engine.runtime import approvals
        approvals.vote(p["director"] if "project_director" in slot.roles else p["fin"], slot.pk, "approve")
    check = _task(record, "check_documents")

    refused = _post(client, p["consultant"], _action(check, "complete"))
    assert "您无权完成该任务：需要角色「销售经理」" in refused
    assert Task.objects.get(pk=check.pk).status == "open"
    page = _post(client, p["manager"], _action(check, "complete"), {"comment": "材料齐全"})

    assert "已完成。" in page
    assert Task.objects.get(pk=check.pk).status == "done"
    client.force_login(p["fin"])
    assert 'data-step="confirm"' in client.get(f"/records/{record.pk}/").content.decode()


def test_transferring_to_a_colleague_of_the_role_and_refusing_one_without_it(client, p, draft):
    task = _task(draft, "prepare")
    tasks.claim(p["consultant"], task.pk)

    refused = _post(client, p["consultant"], _action(task, "transfer"), {"user": p["director"].pk})
    assert "您无权将任务交给 director：需要角色「置业顾问」" in refused
    missing = _post(client, p["consultant"], _action(task, "transfer"), {"user": ""})
    assert "请选择接手任务的同事。" in missing
    page = _post(client, p["consultant"], _action(task, "transfer"), {"user": p["consultant2"].pk})

    assert "「准备」已转交。" in page and Task.objects.get(pk=task.pk).assignee == p["consultant2"]


def test_delegating_then_handing_back_with_a_note(client, p, draft):
    task = _task(draft, "prepare")
    tasks.claim(p["consultant"], task.pk)

    page = _post(client, p["consultant"], _action(task, "delegate"), {"user": p["fin"].pk})
    assert "「准备」已委托。" in page and Task.objects.get(pk=task.pk).delegate == p["fin"]
    no_note = _post(client, p["fin"], _action(task, "return"), {"comment": " "})
    assert "交回任务前，请填写处理结果。" in no_note and Task.objects.get(pk=task.pk).delegate == p["fin"]
    back = _post(client, p["fin"], _action(task, "return"), {"comment": "价格已核实"})

    assert "「准备」已交回。" in back
    assert (Task.objects.get(pk=task.pk).delegate, Task.objects.get(pk=task.pk).delegation_note) == (None, "价格已核实")


def test_a_manager_reassigns_and_a_consultant_may_not(client, p, draft):
    task = _task(draft, "prepare")

    refused = _post(client, p["consultant"], _action(task, "reassign"), {"user": p["consultant2"].pk})
    assert "您无权改派任务" in refused and Task.objects.get(pk=task.pk).assignee is None
    page = _post(client, p["manager"], _action(task, "reassign"), {"user": p["consultant2"].pk})

    assert "「准备」已改派。" in page and Task.objects.get(pk=task.pk).assignee == p["consultant2"]


def test_adding_an_approver_by_role_and_refusing_someone_outside_the_approval(client, p, review):
    slot = Task.objects.filter(record=review, kind="approval").first()
    before = Task.objects.filter(record=review, kind="approval").count()

    refused = _post(client, p["consultant"], _action(slot, "add-approver"), {"approver": "role:finance"})
    assert "您无权加签" in refused
    unchosen = _post(client, p["manager"], _action(slot, "add-approver"), {"approver": ""})
    assert "请选择要加签的角色或同事。" in unchosen
    assert Task.objects.filter(record=review, kind="approval").count() == before
    page = _post(client, p["manager"], _action(slot, "add-approver"), {"approver": f"user:{p['fin2'].pk}"})

    assert "已为「countersign」加签。" in page  # the test flow gives the approval no title
    assert Task.objects.filter(record=review, kind="approval", assignee=p["fin2"]).count() == 1


def test_voting_from_the_page_says_what_was_decided(client, p, review):
    slot = Task.objects.get(record=review, kind="approval", roles=["finance"])

    page = _post(client, p["fin"], reverse("web:vote", args=[slot.pk]), {"decision": "approve", "comment": "同意"})

    assert "您已批准" in page
    again = _post(client, p["fin"], reverse("web:vote", args=[slot.pk]), {"decision": "approve"})
    assert f"{review.reference} 的任务「countersign」已完成" in again  # the engine's refusal (the test flow gives no title)


def test_sending_back_needs_a_reason_and_then_returns_to_the_state_by_its_title(client, p, review):
    url = reverse("web:send-back", args=[review.pk])

    refused = _post(client, p["director"], url, {"to_state": "draft", "comment": ""})
    assert "请填写退回原因" in refused and Record.objects.get(pk=review.pk).state == "review"
    page = _post(client, p["director"], url, {"to_state": "draft", "comment": "价格需复核"})

    assert f"{review.reference} 已退回到「草稿」。" in page
    assert Record.objects.get(pk=review.pk).state == "draft"
    assert "从「审批中」退回到「草稿」" in page and "价格需复核" in page  # the history says it in words


def test_withdrawing_my_own_step_and_refusing_someone_elses(client, p, review):
    url = reverse("web:withdraw", args=[review.pk])

    refused = _post(client, p["director"], url)
    assert "您无权撤回不是您提交的步骤" in refused and Record.objects.get(pk=review.pk).state == "review"
    page = _post(client, p["consultant"], url, {"comment": "还要改价"})

    assert f"您已撤回上一步，{review.reference} 回到「草稿」。" in page
    assert _kinds(review)[-1] == "withdraw"


def test_firing_a_step_says_where_the_record_went(client, p, draft):
    fire = reverse("web:fire", args=[draft.pk, "submit"])

    page = _post(client, p["consultant"], fire, {"submit-unit_id": "7", "submit-price": "1.00",
                                                  "submit-discount_rate": "0.05"})

    assert f"已执行「submit」，{draft.reference} 现为「审批中」。" in page


def test_an_unknown_task_action_is_not_found(client, p, draft):
    task = _task(draft, "prepare")
    client.force_login(p["consultant"])

    assert client.post(_action(task, "explode")).status_code == 404


def test_an_outsider_cannot_act_on_another_projects_task(client, p, draft):
    task = _task(draft, "prepare")
    client.force_login(p["outsider"])

    assert client.post(_action(task, "claim")).status_code == 404
    assert Task.objects.get(pk=task.pk).assignee is None
