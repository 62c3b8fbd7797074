"""An approval approved in the dashboard runs the held tool call at the next tick."""

import pytest

from harness import Org, wait_until

REQUEST = "00000001-writer-01"
CONTENT = "approved in the browser\n"


@pytest.fixture(scope="module")
def org(workdir):
    """``writer`` calls ``file_write`` at tick 1; ``tools.require_approval`` holds it for the human."""
    write = {"tool": "file_write", "args": {"path": "approved.txt", "content": CONTENT}}
    return Org.create(
        workdir, "approvals",
        config={"tools": {"require_approval": ["file_write"]}},
        models={"script": {"provider": "scripted", "replies": "replies.jsonl",
                           "price_in_per_mtok": 0.15, "price_out_per_mtok": 0.6}},
        agents={"writer": {
            "title": "Writer", "short_description": "Writes one file.", "instructions": "Write the file.",
            "model": {"key": "script"},
            "permissions": {"read_outboxes": ["human"], "tools": ["file_write"]},
            "schedule": {"run_every_n_ticks": 1}, "credits": {"max_credits": 10}}},
        replies=[{"agent": "writer", "tick": 1, "reply": {"notes": "writing", "tool_calls": [write]}}])


def test_an_approval_approved_in_the_ui_runs_at_the_next_tick(browser, server, org):
    browser.open(server.url + "/#/desk")
    browser.wait_drawn("desk")
    target = org.path("agents/writer/workspace/approved.txt")

    # The request arrives live while the page is open.
    assert server.step()["tick"] == 1
    row = browser.find(f'[data-approval-id="{REQUEST}"]')
    assert "file_write" in row.text
    assert not target.exists(), "the call ran before it was approved"

    row.find_element("css selector", '[data-action="approve"]').click()
    # The approval is an entry from the human, answering the request.
    wait_until(lambda: any(e["kind"] == "approval" and e.get("reply_to") == REQUEST
                           for e in org.entries("human").values()),
               message="the human's approval entry on disk")
    browser.wait(lambda _: "approved" in row.get_attribute("class").split(), message="the row marked approved")
    assert not target.exists(), "an approved call runs at the next tick, not at once"

    assert server.step()["tick"] == 2
    assert target.read_text() == CONTENT
    # Once the call has run, the request leaves the queue, without a reload.
    browser.wait(lambda d: not d.find_elements("css selector", f'[data-approval-id="{REQUEST}"]'),
                 message="the approval to leave the queue after the tick")
    turn = server.api("GET", "/api/agents/writer/turns?limit=1").json()
    # The agent is shown the call's result at that turn.
    assert f"wrote {len(CONTENT.encode())} bytes to approved.txt" in str(turn), turn
