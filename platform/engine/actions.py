"""Engine operations that flows call as actions: their declarations."""
from __future__ import annotations

from definitions.actions import ActionSpec, ParamKind, ParamSpec

SPECS = (
    ActionSpec("record.start_linked", {
        "flow": ParamSpec(ParamKind.FLOW, description="the flow of the child record"),
        "data": ParamSpec(ParamKind.MAPPING, required=False,
                          description="child field -> expression over this record"),
    }, "Start a record linked to this one", "创建关联的子记录", "engine"),
    ActionSpec("record.fire_linked", {
        "flow": ParamSpec(ParamKind.FLOW, description="the flow of the linked record this one descends from"),
        "transition": ParamSpec(ParamKind.LITERAL, schema={"type": "string", "pattern": "^[a-z][a-z0-9_]{0,62}$"},
                                description="the step to take on that record"),
        "data": ParamSpec(ParamKind.MAPPING, required=False,
                          description="that step's form: field -> expression over this record"),
    }, "Take a step on the linked record this one descends from", "在上级关联记录上执行步骤", "engine"),
    ActionSpec("record.set", {
        "field": ParamSpec(ParamKind.FIELD),
        "value": ParamSpec(ParamKind.EXPRESSION),
    }, "Set a field of this record", "设置本记录的字段", "engine", repeatable=True),
)
