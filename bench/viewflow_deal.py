"""Baseline (a): the benchmark's process as a code-defined django-viewflow 2.x flow.

start (from code) -> review -> if discount > 5 % -> director -> finance -> end
                                      else      -> finance -> end

The process row is locked with SELECT ... FOR UPDATE on every step (viewflow's
`select_for_update_lock`, the lock it recommends on PostgreSQL); without a lock two
people could complete one task twice, and the other two engines both lock.
"""
from __future__ import annotations

from decimal import Decimal

from viewflow import this
from viewflow.workflow import flow, lock
from viewflow.workflow.models import Process, Task

LIMIT = Decimal("0.05")


def _no_view(request, **kwargs):  # the benchmark drives the activations, never the pages
    raise NotImplementedError


class DealFlow(flow.Flow):
    process_class = Process
    task_class = Task
    lock_impl = lock.select_for_update_lock

    start = flow.StartHandle(this.start_deal).Next(this.review)
    review = flow.View(_no_view).Next(this.check_discount)
    check_discount = (flow.If(lambda activation: Decimal(activation.process.data["discount_rate"]) > LIMIT)
                      .Then(this.director).Else(this.finance))
    director = flow.View(_no_view).Next(this.finance)
    finance = flow.View(_no_view).Next(this.end)
    end = flow.End()

    def start_deal(self, activation, data):
        activation.process.data = dict(data)
        return activation.process


def open_task(process_pk: int, node) -> Task:
    """The open task of `node` in the process: what viewflow's task list hands a user."""
    return Task.objects.get(process_id=process_pk, flow_task=node, status="NEW")


def complete(task: Task, user, changes: dict) -> None:
    """Assign, start and execute one human task, saving the form's data on the process.

    This is what viewflow's assign view and task view do over two requests, done in one
    lock scope (the cheapest way to use viewflow's activation API correctly).
    """
    with task.activation() as activation:
        if not activation.flow_task.can_assign(user, activation.task):
            raise PermissionError("cannot assign")
        activation.assign(user)
        activation.start(None)
        activation.process.data.update(changes)
        activation.process.save(update_fields=["data"])
        activation.execute()
