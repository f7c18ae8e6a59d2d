"""The record page's views, by the names the url configuration has always used.

The page itself is views/record_page.py; what people do from it, views/task_actions.py.
"""
from __future__ import annotations

from .record_page import record_page
from .task_actions import (
    add_approver,
    claim,
    complete,
    delegate,
    fire_transition,
    reassign,
    return_delegation,
    send_back,
    task_action,
    transfer,
    unclaim,
    vote,
    withdraw,
)

__all__ = ["add_approver", "claim", "complete", "delegate", "fire_transition", "reassign", "record_page",
           "return_delegation", "send_back", "task_action", "transfer", "unclaim", "vote", "withdraw"]
