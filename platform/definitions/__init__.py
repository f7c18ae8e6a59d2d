"""Flow definitions: pure Python, no Django, no ORM.

YAML and JSON Schema in; checked, immutable `FlowDefinition` objects out.
"""
from .actions import ActionCatalogue, ActionSpec, ParamKind, ParamSpec
from .errors import DefinitionError, Problem
from .loader import build, load_flow, load_flows, read_template
from .model import FlowDefinition
from .validator import Environment

__all__ = [
    "ActionCatalogue", "ActionSpec", "DefinitionError", "Environment", "FlowDefinition",
    "ParamKind", "ParamSpec", "Problem", "build", "load_flow", "load_flows", "read_template",
]
