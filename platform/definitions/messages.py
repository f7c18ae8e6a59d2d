"""Problem messages in English and Chinese, selected by problem code.

Kept apart from Django's gettext catalogues on purpose: the definitions layer is plain
Python and must work in `flows validate` before Django's settings exist.
"""
from __future__ import annotations

_MESSAGES: dict[str, tuple[str, str]] = {
    "file.unreadable": ("cannot read the file: {detail}", "无法读取文件：{detail}"),
    "file.not_found": ("no such file or directory", "文件或目录不存在"),
    "file.not_utf8": ("the file is not UTF-8 text (byte {byte}, column {column}): save it as UTF-8",
                      "文件不是 UTF-8 文本（第 {column} 列的字节 {byte}），请以 UTF-8 编码保存"),
    "file.name_mismatch": ("the flow is named '{name}' but the file is '{file_name}'; they must match",
                           "流程名为 '{name}'，但文件名为 '{file_name}'，两者必须一致"),
    "flow.duplicate": ("flow '{name}' is also defined in {other}", "流程 '{name}' 在 {other} 中重复定义"),
    "yaml.syntax": ("YAML syntax error: {detail}", "YAML 语法错误：{detail}"),
    "yaml.duplicate_key": ("duplicate key '{key}' (first on line {first})", "重复的键 '{key}'（首次出现在第 {first} 行）"),
    "yaml.key_not_string": ("keys must be text, got {value}", "键必须是文本，实际为 {value}"),
    "json.syntax": ("JSON syntax error: {detail}", "JSON 语法错误：{detail}"),
    "value.not_finite": ("numbers must be finite, got {value}", "数值必须是有限数，实际为 {value}"),
    "doc.not_mapping": ("a flow definition must be a mapping of keys to values", "流程定义必须是键值映射"),
    "schema.required": ("missing required key '{key}'", "缺少必填项 '{key}'"),
    "schema.unknown_key": ("unknown key '{key}'", "未知的键 '{key}'"),
    "schema.type": ("expected {expected}, got {actual}", "应为{expected_zh}，实际为{actual_zh}"),
    "schema.enum": ("must be one of {choices}, got {value}", "必须是 {choices} 之一，实际为 {value}"),
    "schema.require": ("must be any, all, or a whole number from 1 to 50, got {value}",
                       "必须是 any、all 或 1 到 50 之间的整数，实际为 {value}"),
    "schema.const": ("must be {expected}, got {value}", "必须是 {expected}，实际为 {value}"),
    "schema.pattern": ("{value} is not a valid {what}", "{value} 不是有效的{what_zh}"),
    "schema.min_items": ("must have at least {limit} item(s)", "至少需要 {limit} 项"),
    "schema.min_length": ("must not be empty", "不能为空"),
    "schema.max_length": ("is longer than {limit} characters", "长度超过 {limit} 个字符"),
    "schema.unique": ("lists the same value twice: {value}", "包含重复的值：{value}"),
    "schema.money_limit": ("{value} is more than the largest amount kept, {limit}",
                           "{value} 超过可记录的最大金额 {limit}"),
    "schema.range": ("{value} is out of range ({detail})", "{value} 超出范围（{detail_zh}）"),
    "schema.invalid": ("{detail}", "{detail}"),
    "name.duplicate": ("duplicate {kind} name '{name}' (first at {first})", "重复的{kind_zh}名称 '{name}'（首次定义于 {first}）"),
    "role.shadows_standard": ("role '{name}' is already a standard role; remove it from roles",
                              "角色 '{name}' 已是标准角色，请从 roles 中删除"),
    "ref.unknown_state": ("unknown state '{name}'", "未知的状态 '{name}'"),
    "ref.unknown_role": ("unknown role '{name}'", "未知的角色 '{name}'"),
    "ref.unknown_transition": ("unknown transition '{name}'", "未知的流转 '{name}'"),
    "ref.unknown_task": ("unknown task '{name}' (tasks of {states}: {tasks})", "未知的任务 '{name}'（{states} 的任务：{tasks}）"),
    "ref.unknown_field": ("unknown field '{name}' in entity '{entity}'", "实体 '{entity}' 中没有字段 '{name}'"),
    "ref.unknown_action": ("unknown action '{name}'", "未知的动作 '{name}'"),
    "ref.unknown_flow": ("unknown flow '{name}'", "未知的流程 '{name}'"),
    "ref.from_star": ("'from' is a state name, a list of state names, or '*'", "'from' 应为状态名、状态名列表或 '*'"),
    "entity.unknown": ("unknown entity schema '{name}' (no file {file})", "未知的实体模式 '{name}'（找不到文件 {file}）"),
    "entity.invalid_schema": ("not a valid JSON Schema 2020-12: {detail}", "不是有效的 JSON Schema 2020-12：{detail}"),
    "entity.not_object": ("an entity schema must be an object schema with properties",
                          "实体模式必须是带 properties 的对象模式"),
    "entity.money_number": ("'{name}' has format '{format}' and must be a decimal string (type: string), not a number",
                            "'{name}' 的格式为 '{format}'，必须是十进制字符串（type: string），不能是数字"),
    "entity.money_not_string": ("'{name}' has format '{format}' and must be typed as a string",
                                "'{name}' 的格式为 '{format}'，类型必须是 string"),
    "duration.invalid": ("invalid duration {value}: {detail}; write e.g. 30m, 72h, 3d, 1w, 2d12h or P3DT12H",
                         "无效的时长 {value}：{detail_zh}；请写成 30m、72h、3d、1w、2d12h 或 P3DT12H 等形式"),
    "after.one_source": ("name either a project setting (setting: name) or a record field (field: name), not both "
                         "or neither", "请指定一个项目设置（setting: 名称）或一个记录字段（field: 名称），不能同时指定或都不指定"),
    "after.unknown_setting": ("unknown project setting '{name}' (not in schemas/project-settings.json)",
                              "未知的项目设置 '{name}'（schemas/project-settings.json 中没有）"),
    "after.setting_not_number": ("the project setting '{name}' is not a number, so it cannot be a duration",
                                 "项目设置 '{name}' 不是数字，不能用作时长"),
    "after.field_not_number": ("the field '{name}' is not a number (type integer or number), so it cannot be a "
                               "duration", "字段 '{name}' 不是数字（类型 integer 或 number），不能用作时长"),
    "after.no_unit": ("say what '{name}' counts: unit: minutes, hours, days or weeks",
                      "请说明 '{name}' 的单位：unit: minutes、hours、days 或 weeks"),
    "after.unit_mismatch": ("'{name}' counts {declared}, not {unit}: write unit: {declared} or leave it out",
                            "'{name}' 的单位是 {declared}，不是 {unit}：请写 unit: {declared} 或省略"),
    "expr.empty": ("the expression is empty", "表达式为空"),
    "expr.too_long": ("the expression is longer than {limit} characters", "表达式超过 {limit} 个字符"),
    "expr.too_deep": ("the expression is nested more than {limit} levels deep", "表达式嵌套超过 {limit} 层"),
    "expr.too_many_parts": ("the expression has more than {limit} parts; split it up",
                            "表达式超过 {limit} 个组成部分，请拆分"),
    "expr.too_large": ("the expression would build {size} values (a list or text repeated or joined); "
                       "an expression may build at most {limit}",
                       "表达式将构造 {size} 个值（重复或拼接的列表或文本）；一个表达式最多只能构造 {limit} 个"),
    "expr.syntax": ("the expression does not parse: {detail} (column {column})", "表达式无法解析：{detail}（第 {column} 列）"),
    "expr.not_allowed": ("{construct} is not allowed in expressions", "表达式中不允许使用 {construct}"),
    "expr.unknown_function": ("unknown function '{name}'; available: {functions}", "未知的函数 '{name}'；可用：{functions}"),
    "expr.unknown_name": ("unknown name '{name}'; expressions start from {roots}", "未知的名称 '{name}'；表达式只能从 {roots} 开始"),
    "expr.root_unavailable": ("'{name}' is not available here", "此处不能使用 '{name}'"),
    "expr.bare_root": ("use a field of '{name}', such as {name}.some_field", "请使用 '{name}' 的字段，例如 {name}.some_field"),
    "expr.private": ("names starting with '_' are not allowed: '{name}'", "不允许以 '_' 开头的名称：'{name}'"),
    "expr.unknown_field": ("unknown field '{name}' in {root}", "{root} 中没有字段 '{name}'"),
    "form.unknown_field": ("form field '{name}' is not in entity '{entity}'", "表单字段 '{name}' 不在实体 '{entity}' 中"),
    "form.required_unknown": ("required field '{name}' is neither a form field nor an extra field",
                              "必填字段 '{name}' 既不是表单字段也不是附加字段"),
    "form.extra_clash": ("extra field '{name}' has the name of an entity field; list it in fields instead",
                         "附加字段 '{name}' 与实体字段同名；请改为写在 fields 中"),
    "form.extra_invalid": ("extra field '{name}' is not a valid JSON Schema: {detail}",
                           "附加字段 '{name}' 不是有效的 JSON Schema：{detail}"),
    "action.unknown_arg": ("action '{action}' has no parameter '{name}' (it takes: {params})",
                           "动作 '{action}' 没有参数 '{name}'（可用参数：{params}）"),
    "action.missing_arg": ("action '{action}' needs the parameter '{name}'", "动作 '{action}' 缺少参数 '{name}'"),
    "action.bad_arg": ("parameter '{name}' of action '{action}' must be {expected}",
                       "动作 '{action}' 的参数 '{name}' 必须是{expected_zh}"),
    "action.bad_literal": ("parameter '{name}' of action '{action}': {detail}", "动作 '{action}' 的参数 '{name}'：{detail}"),
    "state.unreachable": ("state '{name}' cannot be reached from the start state '{start}'",
                          "从起始状态 '{start}' 无法到达状态 '{name}'"),
    "state.dead_end": ("state '{name}' is not final but has no transition out", "状态 '{name}' 不是终态，但没有任何流出的流转"),
    "state.final_exit": ("final state '{name}' has a transition out ('{transition}')", "终态 '{name}' 不应有流出的流转（'{transition}'）"),
    "state.final_tasks": ("final state '{name}' cannot open tasks or have a deadline", "终态 '{name}' 不能创建任务或设置期限"),
    "start.final": ("a record cannot start in the final state '{name}'", "记录不能从终态 '{name}' 开始"),
    "task.no_assignee": ("task '{name}' needs roles or an assignee", "任务 '{name}' 需要指定 roles 或 assignee"),
    "task.approval_only": ("'{key}' is only for approvals (kind: approval)", "'{key}' 仅用于审批任务（kind: approval）"),
    "task.approval_missing": ("approval '{name}' needs '{key}'", "审批 '{name}' 缺少 '{key}'"),
    "task.approval_roles": ("approval '{name}' needs roles, not an assignee", "审批 '{name}' 需要 roles，而非 assignee"),
    "task.outcome_not_from_state": ("transition '{transition}' does not leave state '{state}'",
                                    "流转 '{transition}' 不是从状态 '{state}' 出发的"),
    "transition.requires_not_in_source": ("task '{name}' is not a task of {states}", "任务 '{name}' 不属于 {states}"),
    "transition.branch_after_default": (
        "this branch of '{name}' comes after its default branch (the one without `when`) and is never taken; "
        "put the default last",
        "该分支位于「{name}」的默认分支（没有 when 的分支）之后，永远不会被选中；请把默认分支放在最后"),
    "transition.two_defaults": ("'{name}' has more than one default branch (without `when`); keep one, last",
                                "「{name}」有多个默认分支（没有 when 的分支）；只保留一个并放在最后"),
    "transition.restart_not_staying": (
        "'{name}' restarts deadlines (restart_deadlines), but it never stays in the state it leaves; "
        "only a step from a state to the same state can restart that state's deadlines",
        "「{name}」设置了 restart_deadlines，但它不会停留在出发的状态；只有从某状态到同一状态的步骤才能重新计算该状态的期限"),
    "transition.never_fires": ("transition '{name}' can never fire: it has no roles and no timer or approval uses it",
                               "流转 '{name}' 永远不会触发：没有角色，也没有定时器或审批使用它"),
    "timer.fire_or_escalate": ("a timer needs exactly one of 'fire' and 'escalate_to'",
                               "定时器必须且只能设置 'fire' 或 'escalate_to' 之一"),
    "timer.not_from_state": ("transition '{transition}' does not leave state '{state}'", "流转 '{transition}' 不是从状态 '{state}' 出发的"),
    "override.not_mapping": ("overrides must be a mapping", "覆盖配置必须是键值映射"),
    "override.not_named": ("'{key}' entries must each have a name", "'{key}' 中的每一项都必须有 name"),
    "override.unknown_item": ("cannot remove {kind} '{name}': the template has no such item",
                              "无法删除{kind_zh} '{name}'：模板中没有该项"),
    "client.shadows_shipped": ("'{name}' is a flow template shipped with the product; give the client's template "
                               "a name of its own",
                               "'{name}' 是产品自带的流程模板；客户自己的模板请另起名称"),
    "client.schema_shadows_shipped": ("'{name}' is an entity schema shipped with the product; give the client's "
                                      "schema a name of its own",
                                      "'{name}' 是产品自带的实体模式；客户自己的模式请另起名称"),
    "client.bad_name": ("'{name}' is not a template name: lower-case letters, digits and _, starting with a letter",
                        "'{name}' 不是有效的模板名：只能用小写字母、数字和 _，并以字母开头"),
    "client.schema_file_name": ("'{name}' is not an entity schema file name: write NAME.json with NAME in lower-case "
                                "letters, digits and _",
                                "'{name}' 不是有效的实体模式文件名：请写成 NAME.json，NAME 只能用小写字母、数字和 _"),
    "client.no_flows": ("no flow templates here: expected flows/*.yaml (or templates/flows/*.yaml)",
                        "此处没有流程模板：应有 flows/*.yaml（或 templates/flows/*.yaml）"),
}

_HINT = ("; did you mean '{suggestion}'?", "；是否应为 '{suggestion}'？")


class _Defaulting(dict):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def render_message(code: str, params: dict, suggestion: str | None, lang: str = "en") -> str:
    templates = _MESSAGES.get(code, ("{code}", "{code}"))
    index = 0 if lang.startswith("en") else 1
    values = _Defaulting({k: _show(v) for k, v in params.items()}, code=code)
    text = templates[index].format_map(values)
    if suggestion:
        text += _HINT[index].format(suggestion=suggestion)
    return text


def _show(value: object) -> object:
    return value


def known_codes() -> frozenset[str]:
    return frozenset(_MESSAGES)
