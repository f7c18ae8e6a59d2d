"""Invalid definitions: each mistake gives exactly the problems an implementer needs, no more.

Every case damages the small valid flow of `helpers.valid_document()` in one way and
lists every problem the validator must report, rendered as `file: path: message`.
A mistake is reported once, where it was made, with a suggestion when a name is
misspelt; checks that would only repeat it (an unknown state making other states
look unreachable) stay quiet.
"""
from __future__ import annotations

import copy

import pytest

from definitions import DefinitionError, load_flow
from definitions.yamlio import load_yaml

from .helpers import DEAL_YAML, ENV, FILE, build_document, build_yaml, line_of, valid_document

# -- small mutations of valid_document() ------------------------------------------------

def _parent(document, path):
    for part in path[:-1]:
        document = document[part]
    return document


def put(*path_and_value):
    """Set the value at a path: put("transitions", 0, "to", "x")."""
    *path, value = path_and_value

    def mutate(document):
        _parent(document, path)[path[-1]] = copy.deepcopy(value)
    return mutate


def drop(*path):
    def mutate(document):
        del _parent(document, path)[path[-1]]
    return mutate


def add(*path_and_item):
    """Append an item to the list at a path."""
    *path, item = path_and_item

    def mutate(document):
        for part in path:
            document = document[part]
        document.append(copy.deepcopy(item))
    return mutate


def rename(*path_and_new):
    """Rename the key at a path, keeping its value."""
    *path, new = path_and_new

    def mutate(document):
        parent = _parent(document, path)
        parent[new] = parent.pop(path[-1])
    return mutate


def together(*mutations):
    def mutate(document):
        for m in mutations:
            m(document)
    return mutate


def problems_of(mutate) -> list[str]:
    document = valid_document()
    mutate(document)
    with pytest.raises(DefinitionError) as exc:
        build_document(document)
    return [str(p) for p in exc.value.problems]


def title(en):
    return {"zh": en, "en": en}


CASES = [
    # -- states: unknown names, with the nearest real one --------------------------------
    pytest.param(put("transitions", 0, "to", "reveiw"), [
        "transitions[0].to: unknown state 'reveiw'; did you mean 'review'?",
        # review and done are not reported unreachable: the typo is the one mistake
    ], id="unknown-state-in-to"),
    pytest.param(put("transitions", 1, "from", "reviw"), [
        "transitions[1].from: unknown state 'reviw'; did you mean 'review'?",
        # nor is the approval's outcome 'approve' said not to leave 'review'
    ], id="unknown-state-in-from"),
    pytest.param(put("transitions", 1, "from", ["review", "drafts"]), [
        "transitions[1].from[1]: unknown state 'drafts'; did you mean 'draft'?",
    ], id="unknown-state-in-from-list"),
    pytest.param(put("start", "state", "drft"), [
        "start.state: unknown state 'drft'; did you mean 'draft'?",
    ], id="unknown-start-state"),
    pytest.param(put("timers", 0, "state", "reviews"), [
        "timers[0].state: unknown state 'reviews'; did you mean 'review'?",
    ], id="unknown-timer-state"),
    pytest.param(put("transitions", 3, "from", "*draft"), [
        "transitions[3].from: 'from' is a state name, a list of state names, or '*'",
    ], id="from-star-with-a-name"),

    # -- roles --------------------------------------------------------------------------
    pytest.param(put("states", 0, "owners", ["sales_consultent"]), [
        "states[0].owners[0]: unknown role 'sales_consultent'; did you mean 'sales_consultant'?",
    ], id="unknown-role-in-state-owners"),
    pytest.param(put("transitions", 0, "roles", ["sales_consultant", "sales_manger"]), [
        "transitions[0].roles[1]: unknown role 'sales_manger'; did you mean 'sales_manager'?",
    ], id="unknown-role-in-transition-roles"),
    pytest.param(put("states", 1, "deadline", "escalate_to", ["project_directer"]), [
        "states[1].deadline.escalate_to[0]: unknown role 'project_directer'; did you mean 'project_director'?",
    ], id="unknown-role-in-deadline-escalation"),
    pytest.param(put("states", 1, "tasks", 0, "roles", ["project_director", "finanse"]), [
        "states[1].tasks[0].roles[1]: unknown role 'finanse'; did you mean 'finance'?",
    ], id="unknown-role-in-task-roles"),
    pytest.param(put("roles", [{"name": "finance", "title": title("Finance")}]), [
        "roles[0].name: role 'finance' is already a standard role; remove it from roles",
    ], id="declared-role-shadows-a-standard-role"),

    # -- entity fields --------------------------------------------------------------------
    pytest.param(put("transitions", 0, "guard", "decimal(record.discount) > 0"), [
        "transitions[0].guard: unknown field 'discount' in entity 'deal'; did you mean 'discount_rate'?",
    ], id="unknown-field-in-guard"),
    pytest.param(put("transitions", 0, "guard", "record.buyer.nmae == 'Li'"), [
        "transitions[0].guard: unknown field 'nmae' in record.buyer; did you mean 'name'?",
    ], id="unknown-nested-field-in-guard"),
    pytest.param(put("transitions", 0, "form", "fields", ["unit_id", "prise", "discount_rate"]), [
        "transitions[0].form.fields[1]: form field 'prise' is not in entity 'deal'; did you mean 'price'?",
    ], id="unknown-field-in-form"),
    pytest.param(add("transitions", 0, "actions", {"action": "record.set", "args": {"field": "notes", "value": "1"}}), [
        "transitions[0].actions[1].args.field: unknown field 'notes' in entity 'deal'; did you mean 'note'?",
    ], id="unknown-field-in-field-argument"),

    # -- actions --------------------------------------------------------------------------
    pytest.param(put("transitions", 3, "actions", 0, "action", "unit.relase"), [
        "transitions[3].actions[0].action: unknown action 'unit.relase'; did you mean 'unit.release'?",
    ], id="unknown-action"),
    pytest.param(put("transitions", 3, "actions", 0, "args", "unti", "record.unit_id"), [
        "transitions[3].actions[0].args.unti: action 'unit.release' has no parameter 'unti' (it takes: unit); "
        "did you mean 'unit'?",
    ], id="unknown-action-argument"),
    pytest.param(put("transitions", 3, "actions", 0, "args", {}), [
        "transitions[3].actions[0].args: action 'unit.release' needs the parameter 'unit'",
    ], id="missing-action-argument"),
    pytest.param(drop("transitions", 3, "actions", 0, "args"), [
        "transitions[3].actions[0]: action 'unit.release' needs the parameter 'unit'",
    ], id="missing-action-arguments-entirely"),
    pytest.param(put("transitions", 0, "actions", 0, "args", "status", "held"), [
        "transitions[0].actions[0].args.status: parameter 'status' of action 'unit.hold': "
        "'held' is not one of ['reserved', 'subscribed']",
    ], id="bad-literal-argument"),
    pytest.param(add("transitions", 0, "actions", {"action": "record.set", "args": {"field": 5, "value": "1"}}), [
        "transitions[0].actions[1].args.field: parameter 'field' of action 'record.set' must be the name of an entity field",
    ], id="argument-of-the-wrong-kind"),
    pytest.param(add("transitions", 0, "actions", {"action": "record.start_linked", "args": {"flow": "contracts"}}), [
        "transitions[0].actions[1].args.flow: unknown flow 'contracts'; did you mean 'contract'?",
    ], id="unknown-flow-argument"),

    # -- durations ------------------------------------------------------------------------
    pytest.param(put("states", 1, "deadline", "after", "1 day"), [
        "states[1].deadline.after: invalid duration '1 day': not a duration; write e.g. 30m, 72h, 3d, 1w, 2d12h or P3DT12H",
    ], id="bad-duration-in-deadline"),
    pytest.param(put("timers", 0, "after", "3mo"), [
        "timers[0].after: invalid duration '3mo': not a duration; write e.g. 30m, 72h, 3d, 1w, 2d12h or P3DT12H",
    ], id="bad-duration-in-timer"),
    pytest.param(add("transitions", 0, "actions", {"action": "notify.later", "args": {"after": "0h", "role": "finance"}}), [
        "transitions[0].actions[1].args.after: invalid duration '0h': must be longer than zero; "
        "write e.g. 30m, 72h, 3d, 1w, 2d12h or P3DT12H",
    ], id="bad-duration-in-action-argument"),
    pytest.param(put("timers", 0, "after", "P4000D"), [
        "timers[0].after: invalid duration 'P4000D': longer than ten years; write e.g. 30m, 72h, 3d, 1w, 2d12h or P3DT12H",
    ], id="duration-over-ten-years"),

    # -- the graph ------------------------------------------------------------------------
    pytest.param(add("states", {"name": "archived", "title": title("Archived"), "final": True}), [
        "states[4]: state 'archived' cannot be reached from the start state 'draft'",
    ], id="unreachable-state"),
    pytest.param(together(
        put("transitions", 3, "from", ["draft", "review"]),  # with '*' cancel would leave on_hold too
        add("states", {"name": "on_hold", "title": title("On hold")}),
        add("transitions", {"name": "pause", "from": "draft", "to": "on_hold", "roles": ["sales_manager"]}),
    ), [
        "states[4]: state 'on_hold' is not final but has no transition out",
    ], id="non-final-dead-end"),
    pytest.param(add("transitions", {"name": "reopen", "from": "done", "to": "draft", "roles": ["sales_manager"]}), [
        "states[2]: final state 'done' has a transition out ('reopen')",
    ], id="final-state-with-an-exit"),
    pytest.param(put("states", 2, "tasks", [{"name": "archive", "roles": ["finance"]}]), [
        "states[2]: final state 'done' cannot open tasks or have a deadline",
    ], id="final-state-with-a-task"),
    pytest.param(put("start", "state", "done"), [
        "start.state: a record cannot start in the final state 'done'",
        # and nothing is "unreachable from 'done'": that would repeat the same mistake
    ], id="start-in-a-final-state"),
    pytest.param(drop("transitions", 3, "roles"), [
        "transitions[3]: transition 'cancel' can never fire: it has no roles and no timer or approval uses it",
    ], id="transition-nothing-fires"),

    # -- duplicate names ------------------------------------------------------------------
    pytest.param(add("states", {"name": "done", "title": title("Done again"), "final": True}), [
        "states[4].name: duplicate state name 'done' (first at states[2])",
    ], id="duplicate-state"),
    pytest.param(add("transitions", {"name": "cancel", "from": "draft", "to": "cancelled", "roles": ["finance"]}), [
        "transitions[4].name: duplicate transition name 'cancel' (first at transitions[3])",
    ], id="duplicate-transition"),
    pytest.param(add("states", 1, "tasks", {"name": "prepare", "roles": ["finance"]}), [
        "states[1].tasks[1].name: duplicate task name 'prepare' (first at states[0].tasks[0])",
    ], id="duplicate-task"),
    pytest.param(add("timers", {"name": "review_expires", "state": "review", "after": "5d", "escalate_to": ["finance"]}), [
        "timers[1].name: duplicate timer name 'review_expires' (first at timers[0])",
    ], id="duplicate-timer"),

    # -- guards ---------------------------------------------------------------------------
    pytest.param(put("transitions", 0, "guard", "record.unit_id = 1"), [
        "transitions[0].guard: the expression does not parse: invalid syntax (column 16)",
    ], id="guard-does-not-parse"),
    pytest.param(put("transitions", 0, "guard", "recrod.price > 0"), [
        "transitions[0].guard: unknown name 'recrod'; expressions start from record, form, project, user, today; "
        "did you mean 'record'?",
    ], id="guard-unknown-root"),
    pytest.param(put("transitions", 0, "guard", "record.__class__"), [
        "transitions[0].guard: names starting with '_' are not allowed: '__class__'",
    ], id="guard-dunder-attribute"),
    pytest.param(put("transitions", 0, "guard", "user.roles.append"), [
        "transitions[0].guard: unknown field 'append' in user.roles",
    ], id="guard-method-of-a-value"),
    pytest.param(put("transitions", 0, "guard", "user.roles.append('finance')"), [
        "transitions[0].guard: calling a computed value is not allowed in expressions",
    ], id="guard-calls-a-method"),
    pytest.param(put("transitions", 0, "guard", "lambda: True"), [
        "transitions[0].guard: lambda is not allowed in expressions",
    ], id="guard-lambda"),
    pytest.param(put("transitions", 0, "guard", "len([r for r in user.roles]) > 0"), [
        "transitions[0].guard: a comprehension is not allowed in expressions",
    ], id="guard-comprehension"),
    pytest.param(put("transitions", 0, "guard", "lenght(user.roles) > 0"), [
        "transitions[0].guard: unknown function 'lenght'; available: abs, add_days, date, days_between, decimal, len, max, min, round; "
        "did you mean 'len'?",
    ], id="guard-unknown-function"),
    pytest.param(put("states", 0, "tasks", 0, "assignee", "form.owner_id"), [
        "states[0].tasks[0].assignee: 'form' is not available here",
    ], id="assignee-reads-a-form"),

    # -- forms ----------------------------------------------------------------------------
    pytest.param(put("transitions", 0, "form", "required", ["unit_id", "note"]), [
        "transitions[0].form.required[1]: required field 'note' is neither a form field nor an extra field",
    ], id="form-required-not-in-fields"),
    pytest.param(put("transitions", 0, "form", "extra", {"price": {"type": "string"}}), [
        "transitions[0].form.extra.price: extra field 'price' has the name of an entity field; list it in fields instead",
    ], id="form-extra-clashes-with-entity-field"),
    pytest.param(put("transitions", 0, "form", "extra", {"refund": {"type": "number", "format": "money"}}), [
        "transitions[0].form.extra.refund: 'refund' has format 'money' and must be a decimal string "
        "(type: string), not a number",
    ], id="form-extra-money-as-number"),

    # -- tasks and approvals ----------------------------------------------------------------
    pytest.param(drop("states", 1, "tasks", 0, "approved"), [
        "states[1].tasks[0]: approval 'countersign' needs 'approved'",
        # true on its own: without the outcome, nothing fires the role-less 'approve'
        "transitions[1]: transition 'approve' can never fire: it has no roles and no timer or approval uses it",
    ], id="approval-without-approved"),
    pytest.param(put("states", 1, "tasks", 0, "rejected", "submit"), [
        "states[1].tasks[0].rejected: transition 'submit' does not leave state 'review'",
    ], id="approval-outcome-does-not-leave-the-state"),
    pytest.param(put("states", 1, "tasks", 0, "approved", "aprove"), [
        "states[1].tasks[0].approved: unknown transition 'aprove'; did you mean 'approve'?",
        "transitions[1]: transition 'approve' can never fire: it has no roles and no timer or approval uses it",
    ], id="approval-outcome-unknown"),
    pytest.param(put("states", 0, "tasks", 0, "require", "all"), [
        "states[0].tasks[0].require: 'require' is only for approvals (kind: approval)",
    ], id="require-on-a-work-task"),
    pytest.param(put("states", 1, "tasks", 0, "kind", "aproval"), [
        "states[1].tasks[0].kind: must be one of work, approval, got 'aproval'; did you mean 'approval'?",
        # not also "'approved' is only for approvals": the kind is the one mistake
    ], id="unknown-task-kind"),
    pytest.param(drop("states", 0, "owners"), [
        "states[0].tasks[0]: task 'prepare' needs roles or an assignee",
    ], id="task-with-nobody-to-do-it"),
    pytest.param(put("transitions", 1, "requires", ["countersing"]), [
        "transitions[1].requires[0]: unknown task 'countersing' (tasks of review: countersign); did you mean 'countersign'?",
    ], id="requires-unknown-task"),

    # -- timers ---------------------------------------------------------------------------
    pytest.param(put("timers", 0, "escalate_to", ["finance"]), [
        "timers[0]: a timer needs exactly one of 'fire' and 'escalate_to'",
    ], id="timer-with-fire-and-escalate_to"),
    pytest.param(put("timers", 0, "fire", "submit"), [
        "timers[0].fire: transition 'submit' does not leave state 'review'",
    ], id="timer-fires-a-transition-from-elsewhere"),

    # -- structure ------------------------------------------------------------------------
    pytest.param(put("descripton", title("A deal")), [
        "descripton: unknown key 'descripton'; did you mean 'description'?",
    ], id="unknown-top-level-key"),
    pytest.param(rename("transitions", "transitons"), [
        "missing required key 'transitions'",
        "transitons: unknown key 'transitons'; did you mean 'transitions'?",
        # and no flood of "unknown transition" and "no transition out" after it
    ], id="misspelt-required-key"),
    pytest.param(drop("title"), [
        "missing required key 'title'",
    ], id="missing-required-key"),
    pytest.param(put("states", 0, "owners", "sales_consultant"), [
        "states[0].owners: expected a list, got a text",
    ], id="wrong-type"),
    pytest.param(put("states", 2, "final", "yes"), [
        "states[2].final: expected true or false, got a text",
        # not also "state 'done' is not final": whether it is, is the question
    ], id="wrong-type-of-final"),
    pytest.param(put("transitions", {"submit": {"from": "draft", "to": "review"}}), [
        "transitions: expected a list, got a mapping",
    ], id="transitions-as-a-mapping"),
    pytest.param(put("states", []), [
        "states: must have at least 1 item(s)",
    ], id="no-states"),
    pytest.param(put("format", 2), [
        "format: must be 1, got 2",
    ], id="unknown-format"),
    pytest.param(put("name", "Deal"), [
        "name: 'Deal' is not a valid name (lowercase letters, digits and _, starting with a letter)",
    ], id="bad-name"),

    # -- the entity schema ------------------------------------------------------------------
    pytest.param(put("entity", "schema", "properties", "price", {"type": "number", "format": "money"}), [
        "entity.schema.properties.price: 'price' has format 'money' and must be a decimal string "
        "(type: string), not a number",
    ], id="money-typed-as-number"),
    pytest.param(put("entity", "schema", "properties", "note", "type", "text"), [
        "entity.schema.properties.note.type: not a valid JSON Schema 2020-12: 'text' is not valid under any of the given schemas",
    ], id="entity-schema-bad-type"),
    pytest.param(put("entity", "schema", "properties", "note", 5), [
        # once, though the 2020-12 metaschema reaches it through several vocabularies
        "entity.schema.properties.note: not a valid JSON Schema 2020-12: 5 is not of type 'object', 'boolean'",
    ], id="entity-schema-property-not-a-schema"),
    pytest.param(put("entity", "schema", "type", "array"), [
        "entity.schema: an entity schema must be an object schema with properties",
    ], id="entity-schema-not-an-object"),

    # -- several at once --------------------------------------------------------------------
    pytest.param(together(
        put("transitions", 0, "to", "reveiw"),
        put("states", 0, "owners", ["sales"]),
        put("timers", 0, "after", "soon"),
        put("transitions", 3, "actions", 0, "action", "unit.relase"),
    ), [
        "states[0].owners[0]: unknown role 'sales'",
        "transitions[0].to: unknown state 'reveiw'; did you mean 'review'?",
        "transitions[3].actions[0].action: unknown action 'unit.relase'; did you mean 'unit.release'?",
        "timers[0].after: invalid duration 'soon': not a duration; write e.g. 30m, 72h, 3d, 1w, 2d12h or P3DT12H",
    ], id="several-problems-in-one-error"),
]


@pytest.mark.parametrize("mutate, expected", CASES)
def test_invalid_definition_lists_exactly_its_problems(mutate, expected):
    assert problems_of(mutate) == [f"{FILE}: {line}" for line in expected]


def test_cases_are_distinct():
    ids = [case.id for case in CASES]
    assert len(ids) == len(set(ids)) >= 30
    assert len({tuple(case.values[1]) for case in CASES}) == len(CASES)


def test_money_as_number_has_its_own_code():
    document = valid_document()
    document["entity"]["schema"]["properties"]["price"]["type"] = "number"

    with pytest.raises(DefinitionError) as exc:
        build_document(document)

    [problem] = exc.value.problems
    assert (problem.code, problem.path_text) == ("entity.money_number", "entity.schema.properties.price")


def test_problems_read_in_chinese():
    document = valid_document()
    document["transitions"][0]["to"] = "reveiw"
    document["states"][1]["deadline"]["after"] = "3mo"

    with pytest.raises(DefinitionError) as exc:
        build_document(document)

    assert [(p.path_text, p.message("zh")) for p in exc.value.problems] == [
        ("states[1].deadline.after",
         "无效的时长 '3mo'：不是时长；请写成 30m、72h、3d、1w、2d12h 或 P3DT12H 等形式"),
        ("transitions[0].to", "未知的状态 'reveiw'；是否应为 'review'？"),
    ]
    assert exc.value.render("zh") == [
        "flows/deal.yaml: states[1].deadline.after: 无效的时长 '3mo'：不是时长；请写成 30m、72h、3d、1w、2d12h 或 P3DT12H 等形式",
        "flows/deal.yaml: transitions[0].to: 未知的状态 'reveiw'；是否应为 'review'？",
    ]


# -- from YAML text: line numbers and YAML's own mistakes ------------------------------------

def yaml_problems(text: str):
    with pytest.raises(DefinitionError) as exc:
        build_yaml(text)
    return exc.value.problems


def test_the_yaml_text_is_the_valid_document():
    assert load_yaml(DEAL_YAML, FILE).data == valid_document()
    assert build_yaml(DEAL_YAML).name == "deal"


def test_problems_carry_the_line_of_their_path():
    text = DEAL_YAML.replace("    to: review\n", "    to: reveiw\n").replace("after: 3d,", "after: 3mo,")

    problems = yaml_problems(text)

    assert [(p.line, str(p)) for p in problems] == [
        (line_of(text, "to: reveiw"), f"{FILE}: transitions[0].to: unknown state 'reveiw'; did you mean 'review'?"),
        (line_of(text, "after: 3mo"), f"{FILE}: timers[0].after: invalid duration '3mo': not a duration; "
                                      "write e.g. 30m, 72h, 3d, 1w, 2d12h or P3DT12H"),
    ]
    assert problems[0].render(with_line=True).endswith(f"(line {line_of(text, 'to: reveiw')})")


def test_a_problem_inside_a_flow_mapping_gets_the_line_of_the_mapping():
    text = DEAL_YAML.replace("{name: approve, from: review, to: done}", "{name: approve, from: review, to: dne}")

    [problem] = yaml_problems(text)

    assert (problem.line, problem.path_text) == (line_of(text, "to: dne"), "transitions[1].to")


def test_duplicate_yaml_keys_are_reported_with_both_lines():
    text = DEAL_YAML.replace("    title: {zh: 审批, en: Review}\n",
                             "    title: {zh: 审批, en: Review}\n    title: {zh: 复核, en: Check}\n")

    [problem] = yaml_problems(text)

    first = line_of(text, "en: Review}")
    assert problem.code == "yaml.duplicate_key"
    assert problem.line == first + 1
    assert str(problem) == f"{FILE}: states[1]: duplicate key 'title' (first on line {first})"


def test_a_yaml_syntax_error_is_one_problem_with_its_line(tmp_path):
    text = DEAL_YAML.replace("    guard: decimal(record.discount_rate) > decimal(project.discount_allowance)",
                             "    guard: record.note == 'note: urgent'")
    path = tmp_path / "deal.yaml"
    path.write_text(text, encoding="utf-8")

    with pytest.raises(DefinitionError) as exc:
        load_flow(path, ENV, display=FILE)

    [problem] = exc.value.problems
    assert (problem.code, problem.line) == ("yaml.syntax", line_of(text, "    guard: record.note =="))
    assert str(problem) == f"{FILE}: YAML syntax error: mapping values are not allowed here"


@pytest.mark.parametrize("value, detail", [
    ("!!set {a}", "could not determine a constructor for the tag 'tag:yaml.org,2002:set'"),
    ("!!binary /w==", "could not determine a constructor for the tag 'tag:yaml.org,2002:binary'"),
    ("!!int ''", "not a valid int: ''"),
    ("!!bool maybe", "not a valid bool: 'maybe'"),
    ("10:30.5", "not a valid float: '10:30.5'"),  # YAML 1.1 reads it as base-60 float
], ids=["set", "binary", "empty-int", "bad-bool", "sexagesimal"])
def test_yaml_values_that_are_not_json_are_syntax_errors(value, detail):
    """Regression: these crashed the loader or the canonical JSON with a traceback."""
    text = DEAL_YAML.replace("      note: {type: string}\n", f"      note: {{type: string, default: {value}}}\n")

    [problem] = load_yaml(text, FILE).problems

    assert (problem.code, problem.line) == ("yaml.syntax", line_of(text, "note: {type: string, default:"))
    assert str(problem) == f"{FILE}: YAML syntax error: {detail}"


def test_a_control_character_is_a_syntax_error_with_its_line():
    """Regression: PyYAML's reader error escaped load_yaml."""
    text = DEAL_YAML.replace("en: Draft", "en: Dr\x07aft")

    [problem] = load_yaml(text, FILE).problems

    assert (problem.line, str(problem)) == (
        line_of(text, "Dr\x07aft"), f"{FILE}: YAML syntax error: unacceptable character #x0007")


def test_nested_aliases_cannot_expand_without_bound():
    """Regression: a billion-laughs file took exponential time and memory."""
    levels = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"] + [
        f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]" for i in range(1, 9)]
    text = DEAL_YAML + "x-bomb:\n" + "".join(f"  {line}\n" for line in levels)

    [problem] = load_yaml(text, FILE).problems

    assert str(problem) == f"{FILE}: YAML syntax error: the document expands to more than 100000 values"


def test_the_flow_name_must_match_the_file_name(tmp_path):
    path = tmp_path / "deals.yaml"
    path.write_text(DEAL_YAML, encoding="utf-8")

    with pytest.raises(DefinitionError) as exc:
        load_flow(path, ENV, display="flows/deals.yaml")

    [problem] = exc.value.problems
    assert (problem.code, problem.line) == ("file.name_mismatch", 2)
    assert str(problem) == ("flows/deals.yaml: name: the flow is named 'deal' but the file is 'deals.yaml'; "
                            "they must match")


def test_a_file_with_several_kinds_of_problems_lists_them_all_in_line_order(tmp_path):
    text = (DEAL_YAML
            .replace("name: deal\ntitle", "name: deal\nname: deal\ntitle")  # a duplicate key on line 3
            .replace("    to: review\n", "    to: reveiw\n")
            .replace("[project_director, finance]", "[project_director, finanse]"))
    path = tmp_path / "deal.yaml"
    path.write_text(text, encoding="utf-8")

    with pytest.raises(DefinitionError) as exc:
        load_flow(path, ENV, display=FILE)

    assert [(p.line, p.code) for p in exc.value.problems] == [
        (3, "yaml.duplicate_key"),
        (line_of(text, "finanse"), "ref.unknown_role"),
        (line_of(text, "to: reveiw"), "ref.unknown_state"),
    ]
