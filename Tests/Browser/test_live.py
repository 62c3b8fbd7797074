"""The dashboard talks to the org and follows it live, without a reload."""

import json

from harness import wait_until


def sent_by_human(org, text):
    """The id of the human's entry carrying ``text``, once it is on disk."""
    for entry_id, entry in org.entries("human").items():
        if entry["payload"].get("text") == text:
            return entry_id
    return None


def test_a_message_composed_in_the_ui_is_on_disk_and_in_the_list(browser, server, org):
    text = "Ship the dashboard on Friday (sent from the browser)"
    browser.open(server.url + "/#/desk")
    browser.wait_drawn("desk")
    form = browser.find('form[data-action="send"]')
    browser.fill(form, "to", "manager")
    browser.fill(form, "text", text)
    browser.submit(form)

    entry_id = wait_until(lambda: sent_by_human(org, text), message="the entry in agents/human/outbox/")
    entry = org.read_json(f"agents/human/outbox/{entry_id}.json")
    assert entry["agent"] == "human"
    assert entry["recipients"] == ["manager"]

    browser.go("messages")
    row = browser.find(f'[data-entry-id="{entry_id}"]')
    assert text in row.text or text[:40] in row.text


def test_a_tick_stepped_from_outside_appears_without_reload(browser, server, org):
    browser.open(server.url + "/#/overview")
    browser.wait_drawn("overview")
    browser.js("window.__notReloaded = true;")
    before = server.status()["last_committed_tick"]
    browser.wait(lambda _: browser.current_tick() == before, message=f"the current tick {before}")

    org.send("manager", "A question for the next tick")  # so the tick writes entries
    result = server.step()
    assert result["tick"] == before + 1
    browser.wait(lambda _: browser.current_tick() == before + 1, message=f"the current tick {before + 1}")

    # The tick's entries arrive in the message list too, still without a reload.
    browser.go("messages")
    new = [i for i, e in _entries_of_tick(org, before + 1)]
    assert new, "the stepped tick wrote no entry"
    for entry_id in new:
        browser.find(f'[data-entry-id="{entry_id}"]')
    result = server.step()
    for entry_id, _ in _entries_of_tick(org, result["tick"]):
        browser.find(f'[data-entry-id="{entry_id}"]')
    assert browser.js("return window.__notReloaded === true;"), "the page was reloaded"


def _entries_of_tick(org, tick):
    prefix = f"{tick:08d}-"
    for folder in sorted(org.path("agents").iterdir()):
        for path in sorted(folder.glob("outbox/*.json")):
            if path.name.startswith(prefix):
                yield path.stem, json.loads(path.read_text())
