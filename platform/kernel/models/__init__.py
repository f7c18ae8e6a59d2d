"""The relational core the flows act on: one module per part of the domain."""
from .companies import Company, Region
from .customers import (
    ChangeStatus,
    Customer,
    CustomerChangeRequest,
    CustomerMerge,
    CustomerRegistration,
    CustomerRelation,
    RelationKind,
)
from .dunning import DunningNotice
from .followups import FollowUp, FollowUpChannel
from .payments import Payment, PaymentKind
from .projects import Project
from .queue import QueueBatch, QueueNumber
from .receivables import Receivable, ReceivableSchedule
from .units import Building, ReleaseReason, SaleStatus, Unit, UnitHold
from .visits import Campaign, Visit, VisitKind

__all__ = [
    "Building", "Campaign", "ChangeStatus", "Company", "Customer", "CustomerChangeRequest", "CustomerMerge",
    "CustomerRegistration", "CustomerRelation", "DunningNotice", "FollowUp", "FollowUpChannel", "Payment", "PaymentKind",
    "Project", "QueueBatch", "QueueNumber", "Receivable", "ReceivableSchedule", "Region", "RelationKind", "ReleaseReason",
    "SaleStatus", "Unit", "UnitHold", "Visit", "VisitKind",
]
