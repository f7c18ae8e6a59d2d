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


@pytest.mark.django_db(transaction=True)
def test_one_customer_confirmed_in_thirty_connections_at_once_gets_the_projects_limit_of_numbers(project):
    # given: a project that allows two numbers per customer; 30 registrations of one customer, and
    # 10 of other customers, all confirmed at the same moment
    needs_postgresql()
    from dataclasses import replace

    from kernel.errors import QueueNumberLimitReached
    from kernel.models import Customer

    project.settings = {**project.settings, "queue_numbers_per_customer": 2}
    project.save(update_fields=["settings"])
    one = Customer.objects.create(name="抢号人", phone="+8613900001111")
    others = [Customer.objects.create(name=f"c{i}", phone=f"+86139000022{i:02d}") for i in range(10)]

    def confirm(worker: int):
        customer = one if worker < 30 else others[worker - 30]
        ctx = replace(make_ctx(project, flow="queue", record_id=20_000 + worker), data={"customer_id": customer.pk})
        with transaction.atomic():
            return queue.issue(ctx, "A").code

    # when
    results = race(40, confirm)

    # then: exactly two for the one customer, the rest refused in words; everyone else got theirs
    mine, theirs = results[:30], results[30:]
    assert sum(isinstance(r, str) for r in mine) == 2
    refusals = [r for r in mine if not isinstance(r, str)]
    assert len(refusals) == 28 and all(isinstance(r, QueueNumberLimitReached) for r in refusals)
    assert "at most 2" in refusals[0].message_en and "最多 2 个" in refusals[0].message_zh
    assert all(isinstance(r, str) for r in theirs)
    assert QueueNumber.objects.filter(customer=one, voided_at__isnull=True).count() == 2
    # refused issues leave no gap: 12 numbers, 1 to 12
    assert sorted(QueueNumber.objects.values_list("number", flat=True)) == list(range(1, 13))
