"""Engine tables: flow versions, records, tasks and votes, timers, history."""
from .client_template import ClientTemplate
from .flow_version import FlowBinding, FlowVersion, ImmutableVersionError, VersionStatus
from .history import HistoryEntry
from .migration_job import MigrationJob, MigrationStatus
from .record import Record, RecordCounter
from .task import Task, TaskCandidate, TaskStatus, Vote
from .timer import Timer, TimerStatus

__all__ = [
    "ClientTemplate", "FlowBinding", "FlowVersion", "HistoryEntry", "ImmutableVersionError", "MigrationJob", "MigrationStatus",
    "Record", "RecordCounter",
    "Task", "TaskCandidate", "TaskStatus", "Timer", "TimerStatus", "VersionStatus", "Vote",
]
