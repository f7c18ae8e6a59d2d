"""The relational core the flows act on: one module per part of the domain."""
from .customers import Customer, CustomerRegistration
from .payments import Payment, PaymentKind
from .projects import Project
from .queue import QueueBatch, QueueNumber
from .units import Building, ReleaseReason, SaleStatus, Unit, UnitHold

__all__ = [
    "Building", "Customer", "CustomerRegistration", "Payment", "PaymentKind", "Project", "QueueBatch",
    "QueueNumber", "ReleaseReason", "SaleStatus", "Unit", "UnitHold",
]
