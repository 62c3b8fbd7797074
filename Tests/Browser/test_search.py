"""The messages view's search box (issue 13): FTS5 queries, filters, snippets, archived entries,
results that open, links that reproduce a search, errors beside the box, and a search that stays
a snapshot while the org goes on."""

import re
from urllib.parse import parse_qs

import pytest
from selenium.webdriver.common.keys import Keys

from harness import Org, wait_until

# The org's words: each query below finds exactly the entries it names.
SAY = {
    ("scout", 1): ("report", "The aurora survey starts at dawn.", "normal"),
    ("scribe", 1): ("message", "Shopping list: lanterns, rope, thermos.", "normal"),
    ("scout", 2): ("request", "Need a permit for the glacier crossing.", "urgent"),
    ("scout", 3): ("report", "Glacier crossing postponed: the aurora forecast is weak.", "normal"),
    ("scout", 28): ("report", "Aurora spotted over the ridge tonight.", "normal"),
    ("scribe", 29): ("message", "Filed the aurora photos with the lantern notes.", "low"),
}
TICKS = 30  # each agent's turns without a scripted reply say "idle": more than a page of them
LIVE_TICK = TICKS + 1  # the tick the live test runs: it writes one more aurora entry
RETENTION = 4


def entry_id(agent, tick):
    return f"{tick:08d}-{agent}-01"


@pytest.fixture(scope="module")
def org(workdir) -> Org:
    """Two agents on scripted replies; entries of the first ticks are archived by the end."""
    replies = []
    for (agent, tick), (kind, text, priority) in SAY.items():
        replies.append({"agent": agent, "tick": tick, "reply": {"notes": "wrote", "outbox_entries": [
            {"kind": kind, "payload": {"text": text}, "priority": priority}]}})
    replies.append({"agent": "scribe", "tick": 2, "reply": {"notes": "glossary", "memory_updates": [
        {"key": "glossary", "op": "set", "value": "aurora: polar light; moraine: rocks a glacier left"}]}})
    replies.append({"agent": "scout", "tick": 4, "reply": {"notes": "checked the barometer twice"}})
    replies.append({"agent": "scout", "tick": LIVE_TICK, "reply": {"notes": "wrote", "outbox_entries": [
        {"kind": "report", "payload": {"text": "A second aurora, brighter."}}]}})
    resume = {"title": "Agent", "short_description": "Says scripted things.", "instructions": "Say them.",
              "model": {"key": "script"}, "schedule": {"run_every_n_ticks": 1}, "credits": {"max_credits": 10}}
    org = Org.create(
        workdir, "search", config={"outbox_retention_ticks": RETENTION},
        models={"script": {"provider": "scripted", "replies": "replies.jsonl"}},
        agents={"scout": {**resume, "permissions": {"read_outboxes": ["human"]}},
                "scribe": {**resume, "permissions": {"read_outboxes": ["scout"]}}},
        replies=replies)
    org.run_ticks(TICKS)
    assert org.path(f"archive/outbox/scout/{entry_id('scout', 1)}.json").exists(), "tick 1 was not archived"
    assert org.path(f"agents/scout/outbox/{entry_id('scout', 28)}.json").exists()
    return org


def open_messages(browser, server, fragment=""):
    browser.open(server.url + "/")
    browser.clear_marks()
    browser.open(server.url + "/#/messages" + (f"/{fragment}" if fragment else ""))
    browser.driver.refresh()
    browser.wait_drawn("messages")


def search(browser, query, scope=None):
    """Types ``query`` into the box (choosing ``scope``) and presses Enter; waits for the answer."""
    if scope:
        browser.js("const s = document.querySelector('.msg-search-form select[name=in]');"
                   "s.value = arguments[0];", scope)
    field = browser.find("#msg-search-q")
    field.clear()
    field.send_keys(query + Keys.ENTER)
    wait_answered(browser)


def wait_answered(browser):
    browser.wait(lambda _: browser.js(
        "const r = document.querySelector('.msg-search-results');"
        "return r && !r.hidden && !/searching/.test(document.querySelector('.msg-summary').textContent)"
        " && !/searching/.test(r.querySelector('.msg-footer').textContent);"), message="the search answered")


def result_ids(browser):
    return browser.js("return [...document.querySelectorAll('.msg-results .msg-row')]"
                      ".map(r => r.dataset.entryId || r.dataset.href);")


def marks(browser):
    return browser.js("return [...document.querySelectorAll('.msg-results mark')].map(m => m.textContent);")


def fragment_query(browser):
    return parse_qs(browser.js("return location.hash;").split("/", 2)[2])


def test_a_word_finds_live_and_archived_entries_with_the_match_marked(browser, server):
    open_messages(browser, server)
    search(browser, "aurora", scope="entries")
    ids = result_ids(browser)
    expected = {entry_id(a, t) for (a, t), (_, text, _) in SAY.items() if "aurora" in text.lower()}
    assert set(ids) == expected
    assert {m.lower() for m in marks(browser)} == {"aurora"}
    # Built as text: the snippet's <mark> holds the word, nothing was parsed as HTML.
    assert browser.js("return document.querySelectorAll('.msg-results .msg-snippet *:not(mark)').length;") == 0
    summary = browser.text_of(".msg-summary")
    assert summary.startswith(f"{len(expected)} results"), summary
    # The archived entry says so; the live one does not.
    archived = browser.find(f'.msg-results [data-entry-id="{entry_id("scout", 1)}"]')
    assert "archived" in archived.text
    live = browser.find(f'.msg-results [data-entry-id="{entry_id("scout", 28)}"]')
    assert "archived" not in live.text
    assert "scout" in live.text and "report" in live.text and "tick 28" in live.text


def test_a_phrase_a_prefix_and_not(browser, server):
    open_messages(browser, server, "in=entries")
    search(browser, '"glacier crossing"')
    assert set(result_ids(browser)) == {entry_id("scout", 2), entry_id("scout", 3)}
    assert {m.lower() for m in marks(browser)} <= {"glacier crossing", "glacier", "crossing"}

    search(browser, "lant*")
    assert set(result_ids(browser)) == {entry_id("scribe", 1), entry_id("scribe", 29)}
    assert {m.lower() for m in marks(browser)} == {"lanterns", "lantern"}

    search(browser, "aurora NOT glacier")
    assert set(result_ids(browser)) == {entry_id("scout", 1), entry_id("scout", 28), entry_id("scribe", 29)}


def test_the_filters_narrow_a_search(browser, server):
    open_messages(browser, server, "q=aurora&in=entries")
    wait_answered(browser)
    assert len(result_ids(browser)) == 4
    form = browser.find("form.msg-filters")
    browser.fill(form, "agent", "scribe")
    browser.submit(form)
    browser.wait(lambda _: result_ids(browser) == [entry_id("scribe", 29)], message="only scribe's entry")
    assert fragment_query(browser)["agent"] == ["scribe"]
    browser.fill(form, "agent", "")
    browser.fill(form, "priority", "urgent")
    search(browser, "glacier")
    assert result_ids(browser) == [entry_id("scout", 2)]


def test_a_bad_query_shows_its_error_beside_the_box(browser, server):
    open_messages(browser, server)
    with browser.expect_errors(r"/api/search"):
        field = browser.find("#msg-search-q")
        field.send_keys('aurora AND "open' + Keys.ENTER)
        error = browser.wait(lambda _: browser.text_of("#msg-search-error"), message="the error beside the box")
    assert error and "search failed" not in error.lower()
    assert field.get_attribute("aria-invalid") == "true"
    assert browser.js("return document.getElementById('toasts').children.length;") == 0, "a toast too"
    # Fixing the query clears the error.
    field.send_keys(Keys.BACKSPACE * 10 + Keys.ENTER)
    browser.wait(lambda _: not browser.text_of("#msg-search-error"), message="the error cleared")
    wait_answered(browser)
    assert field.get_attribute("aria-invalid") is None


def test_a_result_opens_the_entry_and_the_url_reproduces_the_search(browser, server):
    open_messages(browser, server, "agent=scout")
    search(browser, "aurora", scope="entries")
    found = result_ids(browser)
    assert set(found) == {entry_id("scout", 1), entry_id("scout", 3), entry_id("scout", 28)}
    archived = entry_id("scout", 1)
    browser.find(f'.msg-results [data-entry-id="{archived}"] .msg-snippet').click()
    panel = browser.find(f'[data-full-entry="{archived}"]')
    assert "aurora survey" in panel.text
    query = fragment_query(browser)
    assert query["q"] == ["aurora"] and query["in"] == ["entries"] and query["agent"] == ["scout"]
    assert query["entry"] == [archived]

    # The same URL, opened afresh, shows the same search, the same results and the open entry.
    url = browser.driver.current_url
    browser.open(server.url + "/")
    browser.clear_marks()
    browser.open(url)
    browser.driver.refresh()
    browser.wait_drawn("messages")
    wait_answered(browser)
    assert browser.find("#msg-search-q").get_attribute("value") == "aurora"
    assert browser.js("return document.querySelector('.msg-search-form select[name=in]').value;") == "entries"
    assert result_ids(browser) == found
    browser.find(f'[data-full-entry="{archived}"]')
    assert browser.find(f'.msg-results [data-entry-id="{archived}"]').get_attribute("aria-selected") == "true"


def test_memory_and_turn_results_open_the_agent(browser, server):
    open_messages(browser, server)
    search(browser, "moraine")
    link = browser.find('.msg-results [data-source="memory"] a.msg-result-link')
    assert link.text == "glossary"
    assert [m.lower() for m in marks(browser)] == ["moraine"]
    link.click()
    browser.wait_drawn("agents")
    assert browser.js("return location.hash;") == "#/agents/scribe/memory/glossary"
    browser.find('tr.target[data-memory-key="glossary"]')

    open_messages(browser, server, "q=barometer&in=turns")
    wait_answered(browser)
    row = browser.find('.msg-results [data-source="turn"]')
    assert "tick 4" in row.text
    row.send_keys(Keys.ENTER)  # a result is reachable and opens with the keyboard too
    browser.wait_drawn("agents")
    assert browser.js("return location.hash;") == "#/agents/scout/turns/4"
    turn = browser.find('details.turn[data-tick="4"]')
    assert turn.get_attribute("open") is not None


def test_escape_clears_the_search_and_typing_searches_once_it_pauses(browser, server):
    open_messages(browser, server)
    browser.js("performance.clearResourceTimings();")
    field = browser.find("#msg-search-q")
    for char in "aurora":
        field.send_keys(char)
    wait_answered(browser)
    assert len(result_ids(browser)) >= 4
    calls = browser.js("return performance.getEntriesByType('resource')"
                       ".filter(e => e.name.includes('/api/search')).length;")
    assert calls == 1, f"{calls} searches for one word typed"
    # Down goes from the box to the first result; Escape in the box goes back to the live list.
    field.send_keys(Keys.ARROW_DOWN)
    assert browser.js("return document.activeElement.classList.contains('msg-result');")
    field.send_keys(Keys.ESCAPE)
    browser.wait(lambda _: "q=" not in browser.js("return location.hash;"), message="the query left the URL")
    browser.find(".msg-rows [data-entry-id]")
    assert field.get_attribute("value") == ""
    assert browser.js("return document.querySelector('.msg-search-results').hidden;")


def test_more_pages_through_every_result(browser, server, org):
    idle = sum(1 for agent in ("scout", "scribe")
               for line in org.path(f"agents/{agent}/logs/turns.jsonl").read_text().splitlines()
               if '"notes":"idle"' in line.replace(" ", ""))
    assert idle > 50, f"only {idle} idle turns: not more than a page"
    open_messages(browser, server, "q=idle&in=turns&order=time")
    wait_answered(browser)
    assert len(result_ids(browser)) == 50
    assert browser.text_of(".msg-summary") == f"{idle} results · 50 shown"
    browser.find(".msg-search-results button:not(.msg-search-hint)").click()
    browser.wait(lambda _: len(result_ids(browser)) == idle, message="every result after More")
    assert len(set(result_ids(browser))) == idle, "a result twice"
    assert browser.text_of(".msg-summary") == f"{idle} results"
    assert "every result" in browser.text_of(".msg-search-results .msg-footer")
    ticks = browser.js("return [...document.querySelectorAll('.msg-results .msg-when')]"
                       ".map(t => Number(t.textContent.match(/tick (\\d+)/)[1]));")
    assert ticks == sorted(ticks, reverse=True), "newest first"


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_the_results_are_readable_in_both_themes_at_1024_pixels(browser, server, scheme):
    browser.resize(1024, 768)
    try:
        browser.color_scheme(scheme)
        open_messages(browser, server, "q=aurora")
        wait_answered(browser)
        assert browser.js("return document.documentElement.scrollWidth;") <= 1024
        for css in ("#msg-search-q", ".msg-search-form button[type=submit]", ".msg-search-form select[name=order]"):
            right = browser.js("return document.querySelector(arguments[0]).getBoundingClientRect().right;", css)
            assert right <= 1024, f"{css} ends at {right}"
        contrast = browser.js("""
            const lum = (c) => { const [r, g, b] = c.match(/[\\d.]+/g).slice(0, 3).map(v => {
              v = v / 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; });
              return 0.2126 * r + 0.7152 * g + 0.0722 * b; };
            const m = getComputedStyle(document.querySelector('.msg-results mark'));
            const [a, b] = [lum(m.color), lum(m.backgroundColor)].sort((x, y) => y - x);
            return (a + 0.05) / (b + 0.05);""")
        assert contrast >= 4.5, f"a match is hard to read in the {scheme} theme: contrast {contrast:.1f}"
    finally:
        browser.resize(1280, 900)
        browser.color_scheme("light")


def test_a_search_is_a_snapshot_with_a_hint_of_what_is_new(browser, server):
    open_messages(browser, server, "q=aurora&in=entries")
    wait_answered(browser)
    before = result_ids(browser)
    assert server.step()["tick"] == LIVE_TICK
    hint = browser.find(".msg-search-hint")
    assert re.match(r"1 new entry since this search", hint.text), hint.text
    assert result_ids(browser) == before, "a new entry was injected into the search"
    # The index follows the engine without holding it up: wait until it has the entry, then refresh.
    def indexed():
        answer = server.api("GET", "/api/search?q=aurora&in=entries&order=time").json()
        return any(r.get("id") == entry_id("scout", LIVE_TICK) for r in answer["results"])
    wait_until(indexed, message="the new entry in the index")
    hint.click()
    browser.wait(lambda _: entry_id("scout", LIVE_TICK) in result_ids(browser), message="the new entry after refresh")
    assert browser.js("return document.querySelector('.msg-search-hint').hidden;")
