"""A small flow for the action tests (conditional actions, `today`, record.set against the schema).

Written into the test's private flows/ folder, so the shared tests/engine/flows/ stays as it is.
"""
from __future__ import annotations

import pytest

from engine import versions
from engine.runtime import records, transitions

GADGET_YAML = """\
format: 1
name: gadget
title: {zh: 小件, en: Gadget}
entity:
  name: gadget
  schema:
    type: object
    properties:
      deposit: {type: string, format: money}
      waived: {type: boolean}
      note: {type: string, maxLength: 5}
      count: {type: integer, minimum: 0}
      signed_on: {type: string, format: date}
      due_on: {type: string, format: date}
      rate: {type: string, format: decimal}
      kind: {enum: [a, b]}
      items:
        type: array
        items: {type: object, properties: {amount: {type: string, format: money}}}
    required: [deposit]
reference_prefix: GDG
start:
  state: draft
  roles: [sales_consultant]
states:
  - name: draft
    title: {zh: 草稿, en: Draft}
    owners: [sales_consultant]
    partial: true
  - name: open
    title: {zh: 进行中, en: Open}
    owners: [sales_consultant]
  - name: done
    title: {zh: 完成, en: Done}
    final: true
transitions:
  - name: submit
    from: draft
    to: open
    roles: [sales_consultant]
    form:
      fields: [deposit, waived]
      required: [deposit]
      extra: {remark: {type: string}}
    actions:
      - action: payment.record
        args: {kind: deposit, amount: record.deposit}
        when: not record.waived
      - action: record.set
        args: {field: note, value: "'paid'"}
        when: not record.waived and form.remark != 'quiet'
      - action: record.set
        args: {field: count, value: (record.count or 0) + 1}

  # `when` that cannot be worked out on these values
  - name: divide
    from: open
    to: open
    roles: [sales_consultant]
    actions:
      - action: record.set
        args: {field: count, value: 1}
      - action: record.set
        args: {field: note, value: "'x'"}
        when: decimal(record.deposit) / (record.count - 1) > 0

  # dates: the guard and the arguments read `today`, the project's date
  - name: schedule
    from: open
    to: open
    roles: [sales_consultant]
    form:
      fields: [signed_on]
      required: [signed_on]
    guard: date(record.signed_on) <= today
    guard_message: {zh: 签约日期不能晚于今天, en: The signing date cannot be after today}
    actions:
      - action: record.set
        args: {field: due_on, value: "add_days(today, 7)"}
      - action: record.set
        args: {field: count, value: "days_between(record.signed_on, today)"}
        when: days_between(record.signed_on, today) >= 1

  # record.set of whatever the form says, into the field it names: a payment first,
  # so a refusal is seen to roll back more than the record
  - name: put
    from: open
    to: open
    roles: [sales_consultant]
    form:
      extra:
        field: {enum: [note, count, rate, kind, items, due_on, deposit]}
        value: {}
        number: {type: string, format: decimal}
      required: [field]
    actions:
      - action: payment.record
        args: {kind: installment, amount: 1}
      - action: record.set
        args: {field: note, value: form.value}
        when: form.field == 'note'
      - action: record.set
        args: {field: count, value: "decimal(form.number) if form.number != None else form.value"}
        when: form.field == 'count'
      - action: record.set
        args: {field: rate, value: form.value}
        when: form.field == 'rate'
      - action: record.set
        args: {field: kind, value: form.value}
        when: form.field == 'kind'
      - action: record.set
        args: {field: items, value: form.value}
        when: form.field == 'items'
      - action: record.set
        args: {field: due_on, value: form.value}
        when: form.field == 'due_on'
      - action: record.set
        args: {field: deposit, value: "decimal(form.number) if form.number != None else form.value"}
        when: form.field == 'deposit'

  - name: finish
    from: open
    to: done
    roles: [sales_consultant]
"""


@pytest.fixture
def gadget(flows_dir, people):
    """The gadget flow published in P1; returns the people fixture."""
    (flows_dir / "gadget.yaml").write_text(GADGET_YAML, encoding="utf-8")
    versions.publish(people["p1"], "gadget")
    return people


def open_gadget(people):
    """A gadget record past `submit`, in state open: deposit waived (no payment), count 1."""
    record = records.start_record(people["consultant"], people["p1"], "gadget", {})
    return transitions.fire(people["consultant"], record.pk, "submit", {"deposit": "500.00", "waived": True})
