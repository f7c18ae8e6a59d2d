"""The work on a record as its page shows it: open tasks with what the viewer may do to each,
approvals with their votes and money impact, deadlines and timers in words.

Which buttons appear follows the same rules the engine enforces (docs/engine.md); the
engine still checks every request, so a stale page gets a refusal in words, never a
wrong move.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from engine.models import Task
from engine.runtime import approvals
from engine.runtime.access import MANAGER_ROLES
from web.display import Display, Shown, credit_titles, joined, moment, money, percent

from .common import lang, text
from .record_history import Titles


@dataclass
class Colleague:
    pk: int
    name: str
    roles: frozenset[str]


@dataclass
class TaskView:
    task: Task
    title: str
    roles: str
    holder: str
    due: str = ""
    overdue: bool = False
    can_claim: bool = False
    can_unclaim: bool = False
    can_complete: bool = False
    can_transfer: bool = False
    can_delegate: bool = False
    can_return: bool = False
    can_reassign: bool = False
    takers: list[Colleague] = field(default_factory=list)  # who may take it (transfer, reassign)
    members: list[Colleague] = field(default_factory=list)  # anyone in the project (delegate)

    @property
    def pk(self) -> int:
        return self.task.pk

    @property
    def has_actions(self) -> bool:
        return any((self.can_claim, self.can_unclaim, self.can_complete, self.can_transfer, self.can_delegate,
                    self.can_return, self.can_reassign))


@dataclass
class ApprovalView:
    name: str
    title: str
    slots: list[tuple[str, str]]  # (roles or person, status in words)
    votes: list[dict]
    vote_task: object | None  # the slot the viewer votes on, if they may vote
    open_task: object  # any open slot: an added approver joins its approval
    can_add: bool
    impact: list[tuple[str, str]]
    roles: list[tuple[str, str]]  # (role name, title) an added approver may be
    members: list[Colleague] = field(default_factory=list)


def colleagues(memberships) -> list[Colleague]:
    """Project members (from Membership rows with their users), each once with all their roles."""
    found: dict[int, Colleague] = {}
    for m in memberships:
        c = found.setdefault(m.user_id, Colleague(m.user_id, str(m.user), frozenset()))
        c.roles = c.roles | {m.role}
    return sorted(found.values(), key=lambda c: c.name)


def required_tasks(definition, state: str) -> set[str]:
    """Work the transitions from `state` wait for: only these are completed on their own."""
    return {name for t in definition.transitions_from(state) for name in t.requires}


def task_views(definition, record, open_tasks, user, roles, members: list[Colleague], titles: Titles,
               zone) -> list[TaskView]:
    required = required_tasks(definition, record.state)
    manager = bool(roles & MANAGER_ROLES)
    now = timezone.now()
    out = []
    for task in open_tasks:
        mine = task.assignee_id == user.pk
        takes = bool(roles & set(task.roles))
        free = task.assignee_id is None
        view = TaskView(
            task=task, title=titles.task(task.name),
            roles=joined((titles.role(r) for r in task.roles), lang()),
            holder=str(task.assignee) if task.assignee_id else _("not claimed yet"))
        if task.delegate_id:
            view.holder = _("%(holder)s, delegated to %(delegate)s") % {"holder": view.holder,
                                                                        "delegate": task.delegate}
        if task.due_at:
            view.due, view.overdue = moment(task.due_at, zone), task.due_at < now
        view.can_claim = free and takes
        view.can_unclaim = not free and (mine or manager) and task.delegate_id is None
        view.can_complete = (task.kind == "work" and task.name in required and task.delegate_id is None
                             and (mine or (free and takes)))
        view.can_transfer = mine and task.delegate_id is None
        view.can_delegate = mine and task.delegate_id is None
        view.can_return = task.delegate_id == user.pk
        view.can_reassign = manager and task.delegate_id is None
        if view.can_transfer or view.can_reassign:
            view.takers = [c for c in members if c.roles & set(task.roles) and c.pk != task.assignee_id]
        if view.can_delegate:
            view.members = [c for c in members if c.pk != user.pk]
        out.append(view)
    return out


def approval_views(definition, record, visit_tasks, votes, user, roles, members, titles: Titles,
                   display: Display) -> list[ApprovalView]:
    """One panel per approval of the current visit: its slots, votes so far and the viewer's buttons."""
    groups: dict[str, list] = {}
    for task in visit_tasks:
        if task.kind == "approval":
            groups.setdefault(task.name, []).append(task)
    votes_by_task: dict[int, list] = {}
    for v in votes:
        votes_by_task.setdefault(v.task_id, []).append(v)
    out = []
    for name, slots in groups.items():
        if not any(t.status == "open" for t in slots):
            continue  # decided: the history says how
        voted = any(v.user_id == user.pk for t in slots for v in votes_by_task.get(t.pk, []))
        vote_task = None
        if not voted:
            vote_task = next((t for t in slots if t.status == "open"
                              and approvals.vote_refusal(user, roles, t) is None), None)
        in_group = roles & {r for t in slots for r in t.roles}
        panel_votes = [{"who": str(v.user), "decision": _("approved") if v.decision == "approve" else _("rejected"),
                        "approve": v.decision == "approve", "comment": v.comment, "at": moment(v.at, display.zone)}
                       for t in slots for v in votes_by_task.get(t.pk, [])]
        shown_slots = []
        for t in slots:
            who = str(t.assignee) if t.assignee_id else joined((titles.role(r) for r in t.roles), lang())
            status = _("voted") if t.status == "done" else _("waiting")
            shown_slots.append((who or _("anyone"), status))
        out.append(ApprovalView(
            name=name, title=titles.task(name), slots=shown_slots, votes=panel_votes, vote_task=vote_task,
            open_task=next(t for t in slots if t.status == "open"),
            can_add=bool(in_group or voted or roles & MANAGER_ROLES), impact=money_impact(record.data),
            roles=sorted(((r, titles.role(r)) for r in {r for c in members for r in c.roles}), key=lambda p: p[1]),
            members=members))
    return out


def money_impact(data) -> list[tuple[str, str]]:
    """What an approval decides, in ¥: list price, floor price, discount and deal price of the latest quote."""
    quote = _latest_quote(data)
    if quote is None:
        return []
    rows = [(pgettext("record value", "List price"), money(quote.get("list_price")))]
    if data.get("floor_price"):
        rows.append((_("Floor price"), money(data["floor_price"])))
    manual = quote.get("manual_discount") or {}
    for step in quote.get("discounts") or []:
        rows.append((step.get("title") or step.get("code", ""), percent(step.get("multiplier"))))
    if manual.get("rate") not in (None, "", "0", "0.0"):
        rows.append((_("Manual discount"), percent(manual.get("rate"))))
    try:
        from decimal import Decimal

        # credits (trade-in, lease-to-buy) are not discounts: the discount is down to the price they apply to
        discount = Decimal(quote["list_price"]) - Decimal(quote.get("price_after_discounts") or quote["deal_price"])
        rows.append((_("Discount amount"), money(discount)))
    except (KeyError, ArithmeticError, TypeError, ValueError):
        pass
    rows.append((_("Deal price"), money(quote.get("deal_price"))))
    # credits pay part of the deal price (they are no discount): under it, then what is left to pay
    titles = credit_titles()
    for line in quote.get("credits") or []:
        amount = line.get("amount")
        rows.append((titles.get(line.get("credit"), line.get("credit", "")), f"-{money(amount)}" if amount else "—"))
    if quote.get("to_pay"):
        rows.append((_("To pay after credits"), money(quote["to_pay"])))
    if quote.get("total_discount_rate"):
        rows.append((_("Total discount"), percent(quote["total_discount_rate"])))
    return rows


def _latest_quote(data):
    """The change's quote while a change is asked for (it is newer), else the frozen quote."""
    quotes = [q for q in (data.get("change_price_snapshot"), data.get("price_snapshot")) if isinstance(q, dict)
              and q.get("list_price")]
    if not quotes:
        return None
    return max(quotes, key=lambda q: str(q.get("quoted_at", "")))


def deadlines(definition, timers, titles: Titles, zone) -> list[str]:
    """Pending timers in words: what happens, and when, in the project's zone."""
    out = []
    for timer in timers:
        when = moment(timer.due_at, zone)
        if timer.kind == "fire":
            out.append(_("“%(step)s” happens automatically on %(when)s") % {
                "step": titles.transition(timer.transition), "when": when})
        else:
            roles = joined((titles.role(r) for r in timer.escalate_to), lang())
            out.append(_("If still open on %(when)s, it is escalated to %(roles)s") % {"when": when, "roles": roles})
    return list(dict.fromkeys(out))  # one line for the several tasks a state's deadline escalates at once


def holder_text(open_tasks) -> Shown:
    """Who holds the current step: the people on its open work, or that nobody has claimed it."""
    held = [str(t.assignee) for t in open_tasks if t.assignee_id]
    if held:
        return Shown(joined(dict.fromkeys(held), lang()))
    return Shown(_("not claimed yet") if open_tasks else "—")


__all__ = ["ApprovalView", "Colleague", "TaskView", "approval_views", "colleagues", "deadlines", "holder_text",
           "money_impact", "task_views", "text"]
