"""Page helpers for the deal journey: what a person does on the staff pages, by the words they see.

Every helper types only what a person would type (unit codes, customer names, amounts, dates,
reasons) and finds its controls by the step's name on the form (`form[data-step=…]`), its
field's name, or the words on a button. A step the page does not offer is a failure, never
a shortcut through the engine.
"""
from __future__ import annotations

import re

from playwright.sync_api import expect

from .conftest import log_in


class Personas:
    """One logged-in browser context per user, created on first use, all at one viewport."""

    def __init__(self, browser, live_server, viewport: dict | None = None, **context_args):
        self.browser, self.live_server, self.viewport, self.context_args = browser, live_server, viewport, context_args
        self.pages: dict[str, object] = {}

    def __call__(self, username: str):
        if username not in self.pages:
            context = self.browser.new_context(locale="zh-CN", **({"viewport": self.viewport} if self.viewport else {}),
                                               **self.context_args)
            page = context.new_page()
            page.set_default_timeout(10_000)
            log_in(page, self.live_server, username)
            self.pages[username] = page
        return self.pages[username]

    def close(self) -> None:
        for page in self.pages.values():
            page.context.close()


def fits(page, width: int = 390) -> None:
    """No sideways scroll: the page is no wider than the screen."""
    scroll = page.evaluate("document.documentElement.scrollWidth")
    assert scroll <= width, f"{page.url} is {scroll} px wide at {width} px"


def message(page) -> str:
    return " ".join(page.locator(".message").all_inner_texts())


def state(page) -> str:
    return page.locator("h1 .state").inner_text().strip()


def summary(page) -> str:
    return page.locator("section.summary").inner_text()


def open_record(page, live_server, reference: str, flow: str | None = None, project: str = "S1") -> None:
    """Find the record by its reference typed in the inbox's search box and open it. A record with no
    task for this person is looked up the same way in the project's records list (the menu's 记录), on
    the tab of its flow (`flow`: the tab's title)."""
    page.goto(f"{live_server.url}/")
    if not _search_and_open(page, "table.tasks", reference):
        assert flow, f"{reference} is not in the inbox of {page.url}"
        page.goto(f"{live_server.url}/projects/{project}/records/")
        with page.expect_navigation():
            page.locator("nav.flow-tabs a", has_text=flow).first.click()
        assert _search_and_open(page, "table.records", reference), f"{reference} is not in the records list"
    assert page.locator("h1").inner_text().startswith(reference)


def _search_and_open(page, rows: str, reference: str) -> bool:
    page.fill("input[name=q]", reference)
    with page.expect_navigation():
        page.press("input[name=q]", "Enter")
    link = page.locator(f"{rows} a:text-is('{reference}')")
    if not link.count():
        return False
    with page.expect_navigation():
        link.first.click()
    return True


def open_linked(page, flow_title: str) -> str:
    """Follow the summary's link to the linked record of `flow_title`; its reference."""
    item = page.locator("ul.linked li", has_text=flow_title).first
    link = item.locator("a")
    reference = link.inner_text().strip()
    with page.expect_navigation():
        link.click()
    return reference


def linked_reference(page, flow_title: str) -> str:
    return page.locator("ul.linked li", has_text=flow_title).first.locator("a").inner_text().strip()


def pick(page, field_id: str, typed: str, option: str | None = None) -> None:
    """Type into a tom-select picker (a unit's code, a customer's name or phone) and choose the offered option.

    A picker the page already filled (the main buyer the record names) is left as it is when it
    holds the wanted option, and cleared first when it holds another, as a person would.
    """
    current = page.evaluate(f"""(() => {{ const ts = document.getElementById({field_id!r}).tomselect;
        const value = ts.items[0]; return value ? ts.getItem(value).textContent : ""; }})()""")
    if current and (option or typed) in current:
        return
    if current:
        page.evaluate(f"document.getElementById({field_id!r}).tomselect.clear()")
    # Another picker's list may have opened again meanwhile (its field refocused after a choice, seen
    # under load): close it, as a person's tap elsewhere does, so it does not cover this control.
    page.evaluate(f"""document.querySelectorAll('.tomselected').forEach(e => {{
        if (e.id !== {field_id!r} && e.tomselect) {{ e.tomselect.close(); e.tomselect.blur(); }} }})""")
    control = page.locator(f"#{field_id}-ts-control")
    control.click()
    control.fill(typed)
    option = page.locator(f"#{field_id}-ts-dropdown .option:not(.create)", has_text=option or typed).first
    option.wait_for()
    # the lookup answers after a pause (loadThrottle): choose once it has, as a person does
    # (a locator's expectation, not wait_for_function: the content security policy forbids evaluating strings)
    expect(control.locator("xpath=..")).not_to_have_class(re.compile(r"\bloading\b"))
    option.click()
    page.locator(f"#{field_id}-ts-dropdown").wait_for(state="hidden")


def pick_unit(page, field_id: str, code: str) -> None:
    pick(page, field_id, code, f"{code} ·")


def pick_customer(page, field_id: str, name: str) -> None:
    pick(page, field_id, name, name)


def fill(page, scope, prefix: str, fields: dict) -> None:
    """Fill a schema form's fields by name: selects by the option's words, pickers by typing, the rest as typed."""
    for name, value in fields.items():
        html_name = f"{prefix}-{name}" if prefix else name
        field_id = f"id_{html_name}"
        if name == "buyers":
            buyers(page, field_id, value)
            continue
        element = scope.locator(f"[name='{html_name}']").first
        tag = element.evaluate("e => e.tagName.toLowerCase()")
        if tag == "select":
            element.select_option(label=value)
        elif element.get_attribute("data-picker") == "unit":
            pick_unit(page, field_id, value)
        elif element.get_attribute("data-picker"):
            pick_customer(page, field_id, value)
        elif element.get_attribute("type") == "checkbox":
            for label in value:
                scope.locator(f"[data-field='{html_name}'] label", has_text=label).click()
        else:
            element.fill(value)


def buyers(page, field_id: str, rows: list[tuple[str, str]]) -> None:
    """The buyers editor: (customer name, share in %) per buyer, the first the main buyer."""
    editor = page.locator(f"#{field_id}")
    for index, (name, share) in enumerate(rows):
        if index and page.locator(f"#{field_id}-{index}-customer-ts-control").is_hidden():
            editor.locator("[data-add-buyer]").click()
        pick_customer(page, f"{field_id}-{index}-customer", name)
        if share is not None:
            page.fill(f"#{field_id}-{index}-share", share)


def step_form(page, step: str):
    """The step's form, opening the "more actions" menu or the confirm dialog it waits behind."""
    form = page.locator(f"form[data-step={step}]")
    assert form.count(), f"the page {page.url} offers no step {step}"
    if not form.is_visible():
        opener = page.locator(f"button[data-dialog='step-{step}']")
        if opener.is_hidden():
            page.locator("details.more > summary").click()
        opener.click()
        assert form.is_visible(), f"the step {step} did not open"
    return form


def fire(page, step: str, fields: dict | None = None, *, expect: str | None = None) -> None:
    """Take the step with these values; `expect`: the state title the record is then in (the success message)."""
    form = step_form(page, step)
    fill(page, form, step, fields or {})
    with page.expect_navigation():
        form.locator("button[name=fire]").click()
    errors = page.locator(".field-errors, .form-errors, .message.error").all_inner_texts()
    assert not errors, f"{step} refused on {page.url}: {errors}"
    if expect is not None:
        assert f"现为「{expect}」" in message(page), message(page)
        assert state(page) == expect


def approve(page, comment: str = "") -> None:
    """Approve in the approval panel at the top of the record page."""
    panel = page.locator("section.approval form.vote").first
    assert panel.count(), f"no approval to vote on at {page.url}"
    if comment:
        panel.locator("textarea[name=comment]").fill(comment)
    with page.expect_navigation():
        panel.locator("button[value=approve]").click()
    assert "您已批准「" in message(page), message(page)


def complete_task(page, title: str, comment: str = "") -> None:
    """Mark a work task done from its row in the record's open tasks."""
    task = page.locator("li.task", has_text=title)
    if comment:
        task.locator("input[name=comment]").fill(comment)
    with page.expect_navigation():
        task.locator("button[data-action=complete]").click()
    assert f"「{title}」已完成。" in message(page), message(page)


def start(page, live_server, project: str, flow: str, fields: dict, query: str = "") -> None:
    """The start page of a flow (from the menu's start list), filled and started: the new record's page."""
    page.goto(f"{live_server.url}/start/")
    with page.expect_navigation():
        page.locator(f"a[href*='/start/{project}/{flow}/']").first.click()
    fill(page, page.locator("form[data-schema-form]"), "", fields)
    with page.expect_navigation():
        page.click("form[data-schema-form] button[type=submit]")
    assert page.locator("h1 .state").count(), page.locator(".field-errors, .message").all_inner_texts()
