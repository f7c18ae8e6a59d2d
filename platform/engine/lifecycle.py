"""The life of a flow version: draft -> published -> retired, as a viewflow.fsm."""
from __future__ import annotations

from django.utils import timezone
from viewflow import fsm

from .models import FlowVersion, VersionStatus


class VersionLifecycle:
    status = fsm.State(VersionStatus, default=VersionStatus.DRAFT)

    def __init__(self, version: FlowVersion):
        self.version = version

    @status.setter()
    def _set_status(self, value: str) -> None:
        self.version.status = value

    @status.getter()
    def _get_status(self) -> str:
        return self.version.status

    @status.transition(source=VersionStatus.DRAFT, target=VersionStatus.PUBLISHED)
    def publish(self) -> None:
        self.version.published_at = timezone.now()

    @status.transition(source=VersionStatus.PUBLISHED, target=VersionStatus.RETIRED)
    def retire(self) -> None:
        self.version.retired_at = timezone.now()
