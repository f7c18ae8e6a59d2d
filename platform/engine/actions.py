"""Engine operations that flows call as actions: their declarations."""
from __future__ import annotations

from definitions.actions import ActionSpec, ParamKind, ParamSpec

SPECS = (
    ActionSpec("record.start_linked", {
        "flow": ParamSpec(ParamKind.FLOW, description="the flow of the child record"),
        "data": ParamSpec(ParamKind.MAPPING, required=False,
                          description="child field -> expression over this record"),
    }, "Start a record linked to this one", "创建关联的子记录", "engine"),
    ActionSpec("record.set", {
        "field": ParamSpec(ParamKind.FIELD),
        "value": ParamSpec(ParamKind.EXPRESSION),
    }, "Set a field of this record", "设置本记录的字段", "engine", repeatable=True),
)
