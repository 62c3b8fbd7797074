"""Restarting the server mid-session loses no event: the page reconnects with ``since=``."""

import json
from urllib.parse import parse_qs, urlparse

import pytest

from harness import Browser, Org, Server


class Sockets:
    """The page's WebSockets and the events they received, read from chromium's performance log."""

    def __init__(self, browser):
        self.browser = browser
        self.urls: dict[str, str] = {}      # request id -> URL, in creation order
        self.seqs: dict[str, list[int]] = {}  # request id -> the seq of each event received

    def read(self):
        for message in self.browser.performance_messages():
            method, params = message.get("method"), message.get("params", {})
            if method == "Network.webSocketCreated" and "/api/events" in params.get("url", ""):
                self.urls[params["requestId"]] = params["url"]
                self.seqs[params["requestId"]] = []
            elif method == "Network.webSocketFrameReceived" and params.get("requestId") in self.seqs:
                payload = params["response"].get("payloadData", "")
                try:
                    event = json.loads(payload)
                except ValueError:
                    continue
                for item in event if isinstance(event, list) else [event]:
                    if isinstance(item, dict) and isinstance(item.get("seq"), int):
                        self.seqs[params["requestId"]].append(item["seq"])
        return self

    def all_seqs(self) -> list[int]:
        return [seq for seqs in self.seqs.values() for seq in seqs]


@pytest.fixture(scope="module")
def org(workdir):
    org = Org.init(workdir, "restart")
    org.send("manager", "Plan the release")
    org.run_ticks(2)
    return org


@pytest.fixture(scope="module")
def browser():
    # This module restarts its own server; the browser keeps a performance log of the WebSocket.
    browser = Browser(1280, 900, performance_log=True)
    yield browser
    browser.close()


def test_restarting_the_server_loses_no_event(browser, org):
    first = Server(org).start()
    second = None
    try:
        loaded_at = org.events()[-1]["seq"]
        browser.open(first.url + "/#/messages")
        browser.wait_drawn("messages")
        sockets = Sockets(browser)
        org_tick = first.step()["tick"]
        browser.wait(lambda _: browser.current_tick() == org_tick, message=f"tick {org_tick} before the restart")
        last_logged = org.events()[-1]["seq"]
        browser.wait(lambda _: max(sockets.read().all_seqs(), default=-1) == last_logged,
                     message=f"event {last_logged} received before the restart")
        seen_before = last_logged
        ids_before = org.all_entry_ids()
        created_before = set(sockets.urls)

        with browser.expect_errors(r"WebSocket connection to .* failed", r"ERR_CONNECTION_REFUSED",
                                   r"ERR_CONNECTION_RESET", r"ERR_EMPTY_RESPONSE"):
            assert first.stop() == 0
            # While the server is down, the org goes on: a message and three ticks, from the CLI.
            org.send("manager", "Written while the dashboard's server was down")
            org.run_ticks(3)
            produced = sorted(org.all_entry_ids() - ids_before)
            assert produced, "the ticks run while the server was down wrote no entry"
            down_tick = org.next_tick() - 1

            second = Server(org, port=first.port).start()
            browser.wait(lambda _: browser.current_tick() == down_tick, timeout=60,
                         message=f"tick {down_tick} after the restart")
        for entry_id in produced:
            browser.find(f'[data-entry-id="{entry_id}"]')

        # The page reconnected asking for what came after the last event it had.
        sockets.read()
        reconnects = [rid for rid in sockets.urls if rid not in created_before]
        assert reconnects, "the page opened no new WebSocket"
        since = [parse_qs(urlparse(sockets.urls[rid]).query).get("since", [None])[0] for rid in reconnects]
        assert str(seen_before) in since, f"reconnected with {since}, expected since={seen_before}"

        # Ticks run from outside after the restart show too, and no event number is missing.
        for _ in range(2):
            tick = second.step()["tick"]
            browser.wait(lambda _: browser.current_tick() == tick, message=f"tick {tick} after the restart")
        logged = [e["seq"] for e in org.events() if e["seq"] > loaded_at]
        browser.wait(lambda _: set(logged) <= set(sockets.read().all_seqs()),
                     message="every logged event received by the page")
        missing = sorted(set(logged) - set(sockets.all_seqs()))
        assert not missing, f"events never delivered to the page: {missing}"
        for entry_id in sorted(org.all_entry_ids() - ids_before):
            browser.find(f'[data-entry-id="{entry_id}"]')
    finally:
        first.kill()
        first.discard_log()
        if second:
            assert second.stop() == 0
            second.discard_log()

