"""queue.issue / queue.void: A-0001, A-0002 ... in confirmation order, never reused."""
import pytest

from kernel import queue
from kernel.errors import QueueBatchClosed, QueueBatchInvalid
from kernel.models import Project, QueueBatch, QueueNumber

from .conftest import NOW, make_ctx


def test_numbers_are_issued_in_confirmation_order_per_batch(project):
    # when
    codes = [queue.issue(make_ctx(project, flow="queue"), "A").code for _ in range(3)]
    other = queue.issue(make_ctx(project, flow="queue"), "b").code

    # then
    assert codes == ["A-0001", "A-0002", "A-0003"]
    assert other == "B-0001"
    assert QueueBatch.objects.get(project=project, code="A").last_number == 3


def test_issuing_writes_the_number_into_the_record(project):
    ctx = make_ctx(project, flow="queue")

    queue.issue(ctx, "A")

    assert ctx.changes == {"queue_number": "A-0001"}


def test_a_record_that_has_a_number_keeps_it(project):
    ctx = make_ctx(project, flow="queue")
    first = queue.issue(ctx, "A")

    again = queue.issue(ctx, "A")

    assert again.pk == first.pk
    assert QueueNumber.objects.count() == 1


def test_a_voided_number_stays_visible_and_is_never_issued_again(project):
    # given
    first = make_ctx(project, flow="queue", record_id=1)
    queue.issue(first, "A")

    # when
    voided = queue.void(first, reason="refunded")
    next_one = queue.issue(make_ctx(project, flow="queue"), "A")

    # then
    assert (voided.code, voided.voided_at, voided.void_reason, str(voided)) == (
        "A-0001", NOW, "refunded", "A-0001 (voided)")
    assert next_one.code == "A-0002"
    assert list(QueueNumber.objects.order_by("number").values_list("code", "voided_at")) == [
        ("A-0001", NOW), ("A-0002", None)]


def test_voiding_a_record_without_a_number_does_nothing(project):
    assert queue.void(make_ctx(project, flow="queue")) is None


def test_numbers_are_counted_per_project(project):
    other = Project.objects.create(code="K2", name="Other")

    queue.issue(make_ctx(project, flow="queue"), "A")

    assert queue.issue(make_ctx(other, flow="queue"), "A").code == "A-0001"


def test_a_closed_batch_issues_nothing(project):
    QueueBatch.objects.create(project=project, code="A", is_open=False)

    with pytest.raises(QueueBatchClosed) as caught:
        queue.issue(make_ctx(project, flow="queue"), "A")

    assert caught.value.message_en == "queue batch A is closed; no more numbers are issued in it"
    assert QueueNumber.objects.count() == 0


def test_a_batch_code_must_be_letters_and_digits(project):
    with pytest.raises(QueueBatchInvalid) as caught:
        queue.issue(make_ctx(project, flow="queue"), "A 1")

    assert caught.value.message_en == "'A 1' is not a batch code: use letters and digits, e.g. A"


def test_numbers_past_9999_keep_counting(project):
    QueueBatch.objects.create(project=project, code="A", last_number=9999)

    assert queue.issue(make_ctx(project, flow="queue"), "A").code == "A-10000"


def test_a_rolled_back_issue_leaves_no_gap(project):
    from django.db import transaction

    # given: a confirmation whose transition fails after the number was issued
    with pytest.raises(RuntimeError), transaction.atomic():
        queue.issue(make_ctx(project, flow="queue"), "A")
        raise RuntimeError("a later action refused")

    # when
    issued = queue.issue(make_ctx(project, flow="queue"), "A")

    # then
    assert issued.code == "A-0001"


def test_locked_row_creates_the_row_once_and_locks_it(project):
    from django.db import transaction

    from kernel.locking import locked_row
    from kernel.models import QueueBatch

    with transaction.atomic():
        first = locked_row(QueueBatch, project_id=project.pk, code="Z")
        again = locked_row(QueueBatch, project_id=project.pk, code="Z")

    assert (first.pk, QueueBatch.objects.filter(code="Z").count()) == (again.pk, 1)
