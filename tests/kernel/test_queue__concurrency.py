"""Queue numbers under 200 parallel confirmations on PostgreSQL."""
import pytest
from django.db import transaction

from kernel import queue
from kernel.models import QueueBatch, QueueNumber

from .conftest import make_ctx
from .parallel import needs_postgresql, race

WORKERS = 50
EACH = 4


@pytest.mark.django_db(transaction=True)
def test_two_hundred_parallel_confirmations_get_numbers_one_to_two_hundred(project):
    # given: 50 connections confirming 4 queue records each, all at once; the batch does
    # not exist yet, so the first confirmations also race to create it
    needs_postgresql()

    def confirm(worker: int) -> list[int]:
        numbers = []
        for k in range(EACH):
            ctx = make_ctx(project, flow="queue", record_id=10_000 + worker * EACH + k)
            with transaction.atomic():
                numbers.append(queue.issue(ctx, "A").number)
        return numbers

    # when
    results = race(WORKERS, confirm)

    # then
    assert [r for r in results if isinstance(r, BaseException)] == []
    issued = sorted(n for numbers in results for n in numbers)
    assert issued == list(range(1, 201))
    assert sorted(QueueNumber.objects.values_list("number", flat=True)) == list(range(1, 201))
    assert QueueNumber.objects.values("code").distinct().count() == 200
    assert QueueBatch.objects.get(project=project, code="A").last_number == 200
    for numbers in results:  # each worker's own confirmations got increasing numbers
        assert numbers == sorted(numbers)
