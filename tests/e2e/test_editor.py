"""The dashboard as an editor, in a real browser: a graph built on the canvas without the chat.

From the palette (input, validation, dbInsert, response), set up in the inspector's forms, run
(a node's own input and output), an undone change, deployed, and called at its endpoint. Then
the same page at 1024x768: canvas, inspector and run panel all usable with no horizontal
scrolling. Screenshots at both sizes go to docs/img. And token mode: the page asks for a token,
refuses a wrong one, shows the owner's servers with the right one.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from playwright.async_api import Browser, Locator, Page, expect

from tests.e2e.conftest import Browsing, Served, start_serve

ROOT = Path(__file__).resolve().parents[2]
IMG = ROOT / "docs" / "img"

pytestmark = pytest.mark.timeout(300)


async def no_horizontal_scroll(locator: Locator) -> bool:
    overflow: int = await locator.evaluate("el => el.scrollWidth - el.clientWidth")
    return overflow <= 1


async def fill_expression(page: Page, field: Locator, typed: str, pick: str, rest: str) -> None:
    """Type into an expression field, pick a completion from its list, type the rest."""
    await field.click()
    await field.fill("")
    await field.press_sequentially(typed)
    completions = page.get_by_role("listbox", name="Completions")
    await expect(completions.get_by_role("option", name=pick, exact=True)).to_be_visible()
    await completions.get_by_role("option", name=pick, exact=True).click()
    await field.press("End")
    await field.press_sequentially(rest)


async def drag(page: Page, source: Locator, target: Locator) -> None:
    """A pointer drag from the middle of one element to the middle of another."""
    start, end = await source.bounding_box(), await target.bounding_box()
    assert start is not None and end is not None
    await page.mouse.move(start["x"] + start["width"] / 2, start["y"] + start["height"] / 2)
    await page.mouse.down()
    await page.mouse.move(end["x"] + end["width"] / 2, end["y"] + end["height"] / 2, steps=8)
    await page.mouse.up()


async def test_build_a_graph_on_the_canvas_run_undo_deploy_and_call_it(
    browsing: Browsing,
) -> None:
    page, console, served = browsing.page, browsing.console, browsing.served
    await page.goto("/")
    await page.get_by_role("link", name="Open the editor").click()
    await expect(page).to_have_url(re.compile(r"/servers/new$"))
    await page.get_by_role("textbox", name="Name").fill("Canvas Signup")

    # The palette: the tool catalog from the API, searchable.
    await page.get_by_role("tab", name="Tools").click()
    palette = page.get_by_role("region", name="Tool palette")
    tools = palette.get_by_role("list", name="Tools")
    await expect(tools.locator('[data-tool-type="dbInsert"]')).to_contain_text(
        "Stores a document in a collection"
    )
    search = palette.get_by_role("searchbox", name="Search tools")
    await search.fill("password")
    await expect(tools.locator("li")).to_have_count(2)  # hashPassword, verifyPassword
    await search.fill("")

    # Drag `input` onto the canvas; add the others with their buttons (each runs last).
    canvas = page.get_by_role("region", name="Workflow graph", exact=True)
    await tools.locator('[data-tool-type="input"]').drag_to(page.get_by_test_id("canvas-drop"))
    await expect(canvas.locator('[data-tool-id="input"]')).to_be_visible()
    for name in ("validation", "dbInsert", "response"):
        await palette.get_by_role("button", name=f"Add {name}", exact=True).click()
        await expect(canvas.locator(f'[data-tool-id="{name}"]')).to_be_visible()
    # Top-down in one column, in the order they run.
    boxes = [
        await canvas.locator(f'[data-tool-id="{t}"]').bounding_box()
        for t in ("input", "validation", "dbInsert", "response")
    ]
    assert all(b is not None for b in boxes)
    ys = [b["y"] for b in boxes if b]
    assert ys == sorted(ys)
    assert len({round(b["x"]) for b in boxes if b}) == 1

    # The input tool: the workflow's input fields.
    inspector = page.get_by_role("region", name="Inspector", exact=True)
    await canvas.locator('[data-tool-id="input"]').click()
    await expect(inspector.get_by_role("heading", name="Tool input")).to_be_visible()
    await inspector.get_by_role("button", name="+ Add input field").click()
    await inspector.get_by_label("Field 1 name").fill("email")
    await inspector.get_by_label("Field 1 format").select_option("email")
    await inspector.get_by_label("Field 1 required").check()
    await inspector.get_by_role("button", name="+ Add input field").click()
    await inspector.get_by_label("Field 2 name").fill("name")

    # dbInsert: its form comes from its config schema; the checks flag the empty collection.
    await canvas.locator('[data-tool-id="dbInsert"]').click()
    collection = inspector.get_by_label(re.compile(r"^collection"))
    await expect(collection).to_have_attribute("aria-required", "true")
    await expect(inspector.get_by_text(re.compile("Collection name, e.g."))).to_be_visible()
    await expect(collection).to_have_attribute("aria-invalid", "true")
    await collection.fill("users")
    await expect(collection).not_to_have_attribute("aria-invalid", "true")
    document = inspector.get_by_role("group", name="document")
    await document.get_by_role("button", name="+ Add to document").click()
    await document.get_by_label("document key 1").fill("email")
    doc_email = document.get_by_role("combobox", name="document email", exact=True)
    await fill_expression(page, doc_email, "{{ input.em", "input.email", " }}")
    await expect(doc_email).to_have_value("{{ input.email }}")
    await inspector.get_by_label(re.compile(r"^unique")).fill("email")

    # response: 201 with the new record's id, completed from what ran before it.
    await canvas.locator('[data-tool-id="response"]').click()
    await inspector.get_by_label(re.compile(r"^status")).fill("201")
    body = inspector.get_by_role("group", name="body")
    await body.get_by_role("button", name="+ Add to body").click()
    await body.get_by_label("body key 1").fill("id")
    body_id = body.get_by_role("combobox", name="body id", exact=True)
    await fill_expression(page, body_id, "{{ steps.dbI", "steps.dbInsert.id", " }}")

    # Connect input to dbInsert by their handles: dbInsert runs right after input. Undo.
    step = canvas.locator('[data-tool-id="dbInsert"] .tool-step')
    await expect(step).to_have_text("3")
    source = canvas.locator('.react-flow__node[data-id="input"] .react-flow__handle-bottom')
    target = canvas.locator('.react-flow__node[data-id="dbInsert"] .react-flow__handle-top')
    await drag(page, source, target)
    await expect(step).to_have_text("2")
    await canvas.get_by_role("button", name="Undo").click()
    await expect(step).to_have_text("3")

    # Drag dbInsert above validation: it runs before it. Undo.
    above = await canvas.locator('[data-tool-id="validation"]').bounding_box()
    assert above is not None
    node = canvas.locator('[data-tool-id="dbInsert"]')
    box = await node.bounding_box()
    assert box is not None
    await page.mouse.move(box["x"] + 40, box["y"] + 10)
    await page.mouse.down()
    await page.mouse.move(box["x"] + 60, above["y"] - 20, steps=8)
    await page.mouse.up()
    await expect(step).to_have_text("2")
    await canvas.get_by_role("button", name="Undo").click()
    await expect(step).to_have_text("3")

    # Undo a change: delete validation, undo, it is back where it was.
    await canvas.locator('[data-tool-id="validation"]').click()
    await inspector.get_by_role("button", name="Delete tool").click()
    await expect(canvas.locator('[data-tool-id="validation"]')).to_have_count(0)
    await canvas.get_by_role("button", name="Undo").click()
    await expect(canvas.locator('[data-tool-id="validation"]')).to_be_visible()

    # Create it: the server is stored, the page becomes its page.
    await page.get_by_role("button", name="Create", exact=True).click()
    await expect(page).to_have_url(re.compile(r"/servers/mcp_[^/]+$"), timeout=30_000)
    server_id = page.url.rsplit("/", 1)[1]
    await expect(page.get_by_label("Breadcrumb").locator(".badge")).to_have_text("v1")
    stored = served.api().get(f"/mcp/servers/{server_id}", params={"ownerId": "local-user"}).json()
    assert stored["spec"]["executionOrder"] == ["input", "validation", "dbInsert", "response"]
    assert stored["spec"]["inputSchema"]["required"] == ["email"]

    # Run it: a node shows its own input, output and duration.
    sample = page.get_by_role("region", name="Sample input", exact=True)
    await expect(sample.get_by_label("email")).to_have_value(re.compile(r"@example\.com$"))
    await page.get_by_role("button", name="Run", exact=True).click()
    last = sample.get_by_role("status", name="Last response")
    await expect(last).to_contain_text("201", timeout=30_000)
    email = await sample.get_by_label("email").input_value()
    await canvas.locator('[data-tool-id="dbInsert"]').click()
    run_data = inspector.get_by_role("region", name="Last run of this tool")
    await expect(run_data).to_contain_text(re.compile(r"success|ok"))
    await expect(run_data).to_contain_text(re.compile(r"in [\d.]+ ms"))
    await expect(run_data.locator("details", has_text="Output")).to_contain_text(email)
    await expect(run_data.locator("details", has_text="Input")).to_contain_text("users")

    # The screenshot of the editor at 1440x900.
    IMG.mkdir(parents=True, exist_ok=True)
    await page.mouse.move(0, 0)
    await page.screenshot(path=str(IMG / "dashboard-editor-1440.png"))

    # A change saved from the canvas is a new version with its diff in the chat.
    await inspector.get_by_label("Description").fill("Stores the user")
    await page.get_by_role("button", name="Save", exact=True).click()
    await expect(page.get_by_label("Breadcrumb").locator(".badge")).to_have_text("v2")
    await page.get_by_role("tab", name="Chat").click()
    conversation = page.get_by_role("list", name="Conversation")
    await expect(conversation).to_contain_text("Saved version 2")
    await expect(conversation.get_by_role("list", name="Changes")).to_contain_text("dbInsert")

    # Deploy and call it.
    await page.get_by_test_id("deploy-button").click()
    dialog = page.get_by_role("dialog", name="Deployed to the local host")
    await expect(dialog).to_be_visible(timeout=60_000)
    await expect(dialog.get_by_role("button", name="Open Dashboard")).to_have_count(0)
    await dialog.get_by_role("button", name="Close").click()
    endpoint = (
        served.api()
        .get(f"/mcp/servers/{server_id}", params={"ownerId": "local-user"})
        .json()["archestraEndpoint"]
    )
    async with httpx.AsyncClient(timeout=30) as http:
        answer = await http.post(endpoint, json={"email": "hopper@example.com", "name": "Grace"})
        assert answer.status_code == 201, answer.text
        assert answer.json()["id"]
        again = await http.post(endpoint, json={"email": "hopper@example.com"})
        assert again.status_code == 409, again.text
        bad = await http.post(endpoint, json={"email": "nope"})
        assert bad.status_code == 400, bad.text

    # After a reload the stored run is still in the logs and on the nodes.
    await page.reload()
    logs = page.get_by_role("log", name="Execution logs")
    await expect(logs).to_contain_text(re.compile(r"Run #\d+ \(run, v1\) finished with status 201"))
    await canvas.locator('[data-tool-id="dbInsert"]').click()
    await expect(run_data.locator("details", has_text="Output")).to_contain_text(email)

    # 1024x768: canvas, inspector and run panel usable, no horizontal scrolling anywhere.
    await page.set_viewport_size({"width": 1024, "height": 768})
    await expect(run_data).to_be_visible()
    assert await no_horizontal_scroll(page.locator("html"))
    side = page.get_by_role("complementary", name="Inspector and input")
    assert await no_horizontal_scroll(side)
    for region, min_width in ((canvas, 380), (side, 260), (logs, 600)):
        box = await region.bounding_box()
        assert box is not None
        assert box["x"] >= 0 and box["x"] + box["width"] <= 1024 + 1, box
        assert box["width"] >= min_width, box
    node = await canvas.locator('[data-tool-id="response"]').bounding_box()
    canvas_box = await canvas.bounding_box()
    assert (
        node and canvas_box and node["y"] + node["height"] <= canvas_box["y"] + canvas_box["height"]
    )
    await run_data.scroll_into_view_if_needed()
    await page.mouse.move(0, 0)
    await page.screenshot(path=str(IMG / "dashboard-editor-1024.png"))

    assert console.errors == []


@pytest.fixture(scope="module")
def served_tokens(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Served, Path]]:
    data = tmp_path_factory.mktemp("serve-tokens")
    for served in start_serve(data, ORCHESTRIX_AUTH="tokens"):
        yield served, data


def create_token(data_dir: Path, owner: str) -> str:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ORCHESTRIX_", "ARCHESTRA_"))}
    env.update({"ORCHESTRIX_DATA_DIR": str(data_dir), "ORCHESTRIX_AUTH": "tokens"})
    out = subprocess.run(
        [sys.executable, "-m", "orchestrix", "token", "create", "--owner", owner, "--json"],
        env=env,
        cwd=data_dir,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    token: str = json.loads(out.stdout)["token"]
    return token


async def test_token_mode_asks_for_a_token_and_shows_the_owners_servers(
    browser: Browser, served_tokens: tuple[Served, Path]
) -> None:
    served, data = served_tokens
    token = create_token(data, "alice")
    spec = {
        "name": "Alice's Notes",
        "tools": [{"id": "input", "type": "input"}, {"id": "response", "type": "response"}],
    }
    with served.api() as api:
        created = api.post(
            "/mcp/servers", json={"spec": spec}, headers={"Authorization": f"Bearer {token}"}
        )
        assert created.status_code == 201, created.text

    context = await browser.new_context(
        viewport={"width": 1024, "height": 768}, base_url=served.url
    )
    page = await context.new_page()
    try:
        await page.goto("/")
        # No token: the page says what to do, not "No servers yet".
        await expect(page.get_by_role("heading", name="Sign in with an API token")).to_be_visible()
        await expect(page.get_by_text("orchestrix token create")).to_be_visible()
        await expect(page.get_by_text("No servers yet")).to_have_count(0)
        field = page.get_by_label("API token")
        await field.fill("oxt_wrong")
        await page.get_by_role("button", name="Sign in").click()
        await expect(page.get_by_role("alert")).to_contain_text("The token was refused")
        await field.fill(token)
        await page.get_by_role("button", name="Sign in").click()
        row = page.get_by_role("row", name=re.compile("Alice's Notes"))
        await expect(row).to_contain_text(created.json()["id"])
        # Kept for this tab: a reload stays signed in; opening the server works with it.
        await page.reload()
        await row.get_by_role("link", name="Alice's Notes").click()
        await expect(page.get_by_role("heading", name="Alice's Notes")).to_be_visible()
        assert await page.evaluate("() => sessionStorage.getItem('orchestrix.token')") == token
        assert await page.evaluate("() => localStorage.getItem('orchestrix.token')") is None
    finally:
        await context.close()


async def test_chat_shows_run_and_deploy_outcomes_and_the_home_page_renames_and_deletes(
    browsing: Browsing,
) -> None:
    page, console, served = browsing.page, browsing.console, browsing.served
    with served.api() as api:
        owner = {"ownerId": "local-user"}
        first = api.post("/mcp/servers", json={"prompt": "create a sign up api", **owner}).json()
        second = api.post("/mcp/servers", json={"prompt": "create a sign up api", **owner}).json()
    await page.goto(f"/servers/{first['id']}")
    chat = page.get_by_role("textbox", name="Message")
    conversation = page.get_by_role("list", name="Conversation")

    # "Running ..." is followed by the run's answer, in the chat itself.
    await chat.fill("run it with email grace@example.com and password correct-horse-9")
    await chat.press("Enter")
    await expect(conversation).to_contain_text("Running", timeout=30_000)
    await expect(conversation).to_contain_text(re.compile(r"Ran it: answered 201"), timeout=30_000)
    await expect(page.locator(".chat-thinking")).to_have_count(0)

    # "Deploying ..." is followed by the deploy's outcome; the button ends "Deployed locally".
    await chat.fill("deploy it")
    await chat.press("Enter")
    await expect(conversation).to_contain_text(re.compile(r"Deployed: agent \S+"), timeout=60_000)
    await expect(page.get_by_test_id("deploy-button")).to_have_text("Deployed locally")
    await page.get_by_role("dialog").get_by_role("button", name="Close").click()

    # The home page tells two servers of the same name apart, renames one, deletes the other.
    await page.get_by_role("link", name="Orchestrix", exact=True).click()
    deployed_row = page.get_by_role("row", name=re.compile(first["id"]))
    other_row = page.get_by_role("row", name=re.compile(second["id"]))
    await expect(deployed_row).to_contain_text("deployed")
    await expect(deployed_row).to_contain_text(f"POST /runtime/{first['id']}")
    await expect(other_row).to_contain_text("not deployed")
    await expect(deployed_row.get_by_role("button", name=re.compile("^Delete"))).to_be_disabled()
    await deployed_row.get_by_role("button", name=re.compile("^Rename")).click()
    await deployed_row.get_by_role("textbox").fill("Signup (live)")
    await deployed_row.get_by_role("button", name="Save").click()
    await expect(deployed_row.get_by_role("link", name="Signup (live)")).to_be_visible()
    await other_row.get_by_role("button", name=re.compile("^Delete")).click()
    await other_row.get_by_role("button", name=re.compile("^Confirm deleting")).click()
    await expect(page.get_by_role("row", name=re.compile(second["id"]))).to_have_count(0)
    with served.api() as api:
        renamed = api.get(f"/mcp/servers/{first['id']}", params=owner).json()
        assert renamed["name"] == "Signup (live)"
        assert api.get(f"/mcp/servers/{second['id']}", params=owner).status_code == 404
    await page.screenshot(path=str(IMG / "dashboard-servers.png"))
    assert console.errors == []
