"""The dashboard in a real browser: describe, watch the graph, run, deploy, reload, change.

One journey, as a user takes it, against a real ``orchestrix serve`` (SQLite, the ``local``
deploy target) and Debian's Chromium. It saves the README's screenshot and reports how long
the page takes to load on loopback (reported, never asserted: no timed tests).
"""

from __future__ import annotations

import re
import time
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from playwright.async_api import Page, expect

from tests.e2e.conftest import OWNER, Browsing

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOT = ROOT / "docs" / "img" / "dashboard.png"

pytestmark = pytest.mark.timeout(240)


async def unnamed_controls(page: Page) -> list[str]:
    """Buttons, links, fields and tabs with no accessible name, from the ARIA snapshot."""
    snapshot = await page.locator("body").aria_snapshot()
    roles = r"button|link|textbox|combobox|checkbox|tab|spinbutton"
    pattern = re.compile(rf"^\s*- ({roles})(\s*\[[^\]]*\])*\s*:?\s*$")
    return [line.strip() for line in snapshot.splitlines() if pattern.match(line)]


# Records every state the Deploy button goes through: [label, disabled, spinner shown].
RECORD_STATES = """button => {
  button.__states = [];
  const note = () => button.__states.push(
    [button.textContent.trim(), button.disabled, !!button.querySelector('.spinner')]);
  note();
  new MutationObserver(note).observe(button, {
    subtree: true, childList: true, characterData: true, attributes: true });
}"""


async def page_load_ms(page: Page) -> float:
    timing: float = await page.evaluate(
        "() => { const n = performance.getEntriesByType('navigation')[0];"
        " return n.loadEventEnd - n.startTime; }"
    )
    return timing


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    """Plain HTTP beside the browser (the runtime and the deployed endpoint), on the test's loop."""
    async with httpx.AsyncClient(timeout=30) as client:
        yield client


def report(capsys: pytest.CaptureFixture[str], text: str) -> None:
    with capsys.disabled():
        print(f"\n[dashboard] {text}")  # noqa: T201  (the measurement the issue asks to report)


async def test_describe_run_deploy_reload_and_change(
    browsing: Browsing, http: httpx.AsyncClient, capsys: pytest.CaptureFixture[str]
) -> None:
    page, console, served = browsing.page, browsing.console, browsing.served

    # The servers page, then the chat of a new workflow.
    await page.goto("/")
    await expect(page.get_by_role("heading", name="New workflow")).to_be_visible()
    await page.get_by_role("link", name="Open the editor").click()
    await expect(page).to_have_url(re.compile(r"/servers/new$"))

    # Describe the API by typing in the chat; Enter sends (keyboard only).
    chat = page.get_by_role("textbox", name="Message")
    await chat.fill("create a sign up api")
    await chat.press("Enter")
    await expect(page).to_have_url(re.compile(r"/servers/mcp_[^/]+$"), timeout=30_000)
    server_id = page.url.rsplit("/", 1)[1]

    # The nodes appear on the canvas, in execution order.
    canvas = page.get_by_role("region", name="Workflow graph", exact=True)
    for tool in ("input", "validation", "hashPassword", "response"):
        await expect(canvas.locator(f'[data-tool-id="{tool}"]')).to_be_visible()
    conversation = page.get_by_role("list", name="Conversation")
    await expect(conversation).to_contain_text("create a sign up api")
    await expect(conversation).to_contain_text("validation → hashPassword")
    assert await unnamed_controls(page) == []

    # Click a tool: the inspector shows its config.
    await canvas.locator('[data-tool-id="hashPassword"]').click()
    inspector = page.get_by_role("region", name="Inspector", exact=True)
    await expect(inspector.get_by_label("Config (JSON)")).to_have_value(
        re.compile(r"input\.password")
    )

    # The keyboard reaches tools too: focus a node, Enter inspects it.
    await canvas.locator('.react-flow__node[data-id="response"]').focus()
    await page.keyboard.press("Enter")
    await expect(inspector.get_by_role("heading", name="Tool response")).to_be_visible()
    await expect(inspector.get_by_label("Config (JSON)")).to_have_value(
        re.compile(r'"status": 201')
    )

    # Run with the sample data: 201 and a log line per step, with durations.
    sample = page.get_by_role("region", name="Sample input", exact=True)
    await expect(sample.get_by_label("email")).to_have_value(re.compile(r"@example\.com$"))
    run = page.get_by_role("button", name="Run", exact=True)
    await run.focus()
    await page.keyboard.press("Enter")
    logs = page.get_by_role("log", name="Execution logs")
    await expect(logs).to_contain_text("Run finished with status 201", timeout=30_000)
    for tool in ("input", "validation", "hashPassword", "response"):
        await expect(logs).to_contain_text(re.compile(rf"Step {tool} \({tool}\) \w+ in [\d.]+ ms"))

    # The runtime: start it (its REST endpoint answers), then stop it again.
    await page.get_by_role("button", name="Start Runtime").click()
    await expect(page.get_by_label("Runtime running")).to_be_visible()
    # Its URL in full, not only inside a log line's details.
    await expect(page.get_by_test_id("runtime-rest-url")).to_have_text(
        f"POST {served.url}/runtime/{server_id}"
    )
    live = await http.post(
        f"{served.url}/runtime/{server_id}",
        json={"email": "linus@example.com", "password": "correct-horse-3"},
        timeout=30,
    )
    assert live.status_code == 201, live.text
    await page.get_by_role("button", name="Stop Runtime").click()
    await expect(page.get_by_label("Runtime stopped")).to_be_visible()
    await expect(logs).to_contain_text("Runtime stopped")

    # Deploy: "Deploying..." then "Deployed locally" (the local target), a dialog, a banner.
    deploy = page.get_by_test_id("deploy-button")
    await expect(deploy).to_have_text("Deploy")
    await expect(deploy).to_be_enabled()
    await deploy.evaluate(RECORD_STATES)
    await deploy.click()
    dialog = page.get_by_role("dialog", name="Deployed to the local host")
    await expect(dialog).to_be_visible(timeout=60_000)
    await expect(dialog).to_contain_text("Agent ID")
    await expect(deploy).to_have_text("Deployed locally")
    await expect(deploy).to_be_disabled()
    states = await deploy.evaluate("button => button.__states")
    assert ["Deploy", False, False] in states
    assert ["Deploying...", True, True] in states  # label, disabled, spinner
    assert states[-1] == ["Deployed locally", True, False]
    stored = (
        await http.get(
            f"{served.url}/mcp/servers/{server_id}", params={"ownerId": OWNER}, timeout=10
        )
    ).json()
    endpoint = stored["archestraEndpoint"]
    await expect(page).to_have_title(f"{stored['name']} · Orchestrix")
    await expect(dialog).to_contain_text(endpoint)
    assert await page.evaluate("() => navigator.clipboard.readText()") == endpoint
    await dialog.get_by_role("button", name="Close").click()
    banner = page.get_by_role("region", name="Deployment", exact=True)
    await expect(banner).to_contain_text("Deployed to the local host")
    await expect(banner).to_contain_text(stored["archestraAgentId"])
    await expect(banner.get_by_role("button", name="Copy Endpoint")).to_be_enabled()
    # A local deploy has no dashboard of its own (its URL is the agent's JSON): no such link.
    await expect(banner.get_by_role("link", name="Open Dashboard")).to_have_count(0)

    # The deployed endpoint answers for real: a sign-up through the hosted agent.
    answer = await http.post(
        endpoint, json={"email": "grace@example.com", "password": "correct-horse-2"}, timeout=30
    )
    assert answer.status_code == 201, answer.text

    # Reload: the banner comes back from GET /mcp/servers/{id}; measure the load.
    started = time.perf_counter()
    await page.reload()
    await expect(canvas.locator('[data-tool-id="response"]')).to_be_visible()
    ready_ms = (time.perf_counter() - started) * 1000
    await expect(banner).to_contain_text(stored["archestraAgentId"])
    await expect(page.get_by_test_id("deploy-button")).to_have_text("Deployed locally")
    await expect(conversation).to_contain_text("create a sign up api")  # the chat survives it too
    report(
        capsys,
        f"page load {await page_load_ms(page):.0f} ms (load event), graph on screen after "
        f"{ready_ms:.0f} ms (reload to last node visible), loopback",
    )

    # Change it by chat: the new field shows in the input form, the diff in the chat.
    chat = page.get_by_role("textbox", name="Message")
    await chat.fill("add a phone number field")
    await chat.press("Enter")
    await expect(sample.get_by_label(re.compile("phone", re.I))).to_be_visible(timeout=30_000)
    await expect(conversation).to_contain_text(re.compile("added field", re.I))
    # The diff is listed once, below the message, not repeated in its text.
    await expect(conversation).not_to_contain_text("Changes:")
    version = page.get_by_label("Breadcrumb").locator(".badge")
    await expect(version).to_have_text("v2")
    # The deployment still serves v1: the banner says so and offers to redeploy v2.
    await expect(page.get_by_test_id("deploy-behind")).to_contain_text("still serves v1")
    await expect(page.get_by_role("button", name="Redeploy v2")).to_be_visible()

    # Invalid input: the 400 answer lists every problem, beside its field and under the form.
    await sample.get_by_label("email").fill("not-an-email")
    await sample.get_by_label("password").fill("x")
    await run.click()
    last = sample.get_by_role("status", name="Last response")
    await expect(last).to_contain_text("400", timeout=30_000)
    await expect(last).to_contain_text("Validation failed")
    problems = last.get_by_role("list", name="Problems in the input")
    await expect(problems.get_by_role("listitem")).to_have_count(2)
    await expect(sample.get_by_label("email")).to_have_attribute("aria-invalid", "true")
    await expect(logs).to_contain_text("status 400")
    await sample.get_by_role("button", name="Reset sample").click()
    # New sample values: the old values' errors go with them.
    await expect(sample.get_by_label("email")).not_to_have_attribute("aria-invalid", "true")

    # Edit a tool in the inspector, apply, Save: version 3.
    save = page.get_by_role("button", name="Save", exact=True)
    await expect(save).to_be_disabled()
    await canvas.locator('[data-tool-id="hashPassword"]').click()
    await inspector.get_by_label("Description").fill("Hashes the password with argon2id")
    await expect(save).to_be_enabled()
    await save.click()
    await expect(logs).to_contain_text("Saved version 3")
    await expect(version).to_have_text("v3")
    await expect(save).to_be_disabled()

    # Versions & deployments: every version listed, the deployment in the history.
    await page.get_by_role("tab", name="Versions & deployments").click()
    versions = page.get_by_role("tabpanel", name="Versions & deployments")
    await expect(versions.get_by_role("button", name="Restore version 1")).to_be_enabled()
    await expect(versions.get_by_role("button", name="Restore version 3")).to_be_disabled()
    await expect(versions).to_contain_text(stored["archestraAgentId"])
    await page.get_by_role("tab", name=re.compile("Execution logs")).click()

    # Serve the saved version at the same endpoint, run it, then keep the picture for the
    # README: a deployed workflow, up to date, with a successful run.
    await page.get_by_role("button", name="Redeploy v3").click()
    await expect(logs).to_contain_text("Redeployed version 3", timeout=30_000)
    await expect(page.get_by_test_id("deploy-behind")).to_have_count(0)
    finished = logs.get_by_text(re.compile(r"Run finished with status 201"))
    before = await finished.count()
    await run.click()
    await expect(finished).to_have_count(before + 1, timeout=30_000)
    await expect(last).to_contain_text("201")
    await expect(sample.get_by_label("email")).not_to_have_attribute("aria-invalid", "true")
    await inspector.get_by_role("button", name="Close the inspector").click()
    # the API model's summary stands above the sample form: bring the new field into view
    phone = sample.get_by_label(re.compile("phone", re.I))
    await phone.scroll_into_view_if_needed()
    await expect(phone).to_be_in_viewport()
    await page.mouse.move(0, 0)
    SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
    await page.screenshot(path=str(SCREENSHOT))

    # The servers list shows it deployed.
    await page.get_by_role("link", name="Orchestrix", exact=True).click()
    row = page.get_by_role("row", name=re.compile(stored["name"]))
    await expect(row).to_contain_text("deployed")
    await expect(row).to_contain_text("v3")

    # Back to it: restore version 1 (a new version 4), redeploy it, undeploy.
    await page.get_by_role("link", name=stored["name"]).click()
    await page.get_by_role("tab", name="Versions & deployments").click()
    await versions.get_by_role("button", name="Restore version 1").click()
    await expect(version).to_have_text("v4")
    await expect(sample.get_by_label(re.compile("phone", re.I))).to_have_count(0)
    await versions.get_by_role("button", name="Redeploy").click()
    await page.get_by_role("tab", name=re.compile("Execution logs")).click()
    await expect(logs).to_contain_text("Redeployed version 4")
    await page.get_by_role("tab", name="Versions & deployments").click()
    await versions.get_by_role("button", name="Undeploy").click()
    await expect(page.get_by_role("region", name="Deployment", exact=True)).to_have_count(0)
    await expect(deploy).to_have_text("Deploy")
    await expect(deploy).to_be_enabled()
    gone = await http.post(endpoint, json={"email": "ada@example.com", "password": "x" * 12})
    assert gone.status_code == 404

    assert await unnamed_controls(page) == []
    assert console.errors == []
    assert console.resource_errors == []


async def test_errors_show_the_servers_message_never_a_blank_page(browsing: Browsing) -> None:
    page, console = browsing.page, browsing.console

    # A prompt the builder cannot map: its honest answer, in the chat.
    await page.goto("/servers/new")
    chat = page.get_by_role("textbox", name="Message")
    await chat.fill("write me a poem")
    await chat.press("Enter")
    reply = page.get_by_role("list", name="Conversation").locator(".chat-error")
    await expect(reply).to_contain_text("builds APIs")
    await expect(page).to_have_url(re.compile(r"/servers/new$"))

    # A server that does not exist (or is someone else's): the 404 message and a way back.
    await page.goto("/servers/mcp_does_not_exist")
    alert = page.get_by_role("alert")
    await expect(alert).to_contain_text("Could not open this workflow")
    await expect(alert.get_by_role("link", name="Back to the servers")).to_be_visible()

    # An unknown page of the app.
    await page.goto("/servers/a/b")
    await expect(page.get_by_role("heading", name="Page not found")).to_be_visible()

    assert console.errors == []
    assert len(console.resource_errors) == 2  # the 422 and the 404 answers themselves
