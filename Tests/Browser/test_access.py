"""With an API key set, a browser needs the session (login through the form) for the API and the WebSocket."""

import json

import pytest

from harness import Browser, Org, Server, wait_until

KEY = "browser-test-key-4f1c9a7e2b"
VARIABLE = "LEMMING_BROWSER_TEST_KEY"

# From the page: a change through the API without any key or cookie of ours.
POST_MESSAGE = """
const done = arguments[arguments.length - 1];
fetch('/api/messages', {method: 'POST', headers: {'Content-Type': 'application/json'},
                        body: JSON.stringify({to: 'manager', text: arguments[0]})})
  .then(r => done(r.status), e => done(String(e)));
"""
POST_SESSION = """
const done = arguments[arguments.length - 1];
fetch('/api/session', {method: 'POST', headers: {'Content-Type': 'application/json'},
                       body: JSON.stringify({key: arguments[0]})})
  .then(r => done(r.status), e => done(String(e)));
"""
GET = """
const done = arguments[arguments.length - 1];
fetch(arguments[0]).then(async r => done({status: r.status, body: await r.text()}), e => done(String(e)));
"""
# Opens the events WebSocket: "open" once it is accepted (and an event arrived when asked), else "refused".
OPEN_SOCKET = """
const done = arguments[arguments.length - 1];
const wantEvent = arguments[0];
// Replayed history (since=0) only when an event is wanted; that socket is then left open: closing
// it races the server's stream (swift-websocket can write a frame after answering the close, which
// chromium reports as a console error).
const query = wantEvent ? '?since=0' : '';
const socket = new WebSocket(location.origin.replace(/^http/, 'ws') + '/api/events' + query);
let state = 'connecting';
socket.onopen = () => { state = 'open'; if (!wantEvent) { state = 'done'; socket.close(); done('open'); } };
socket.onmessage = () => { if (state !== 'open') return; state = 'done'; done('open'); };
socket.onclose = () => { if (state === 'connecting') done('refused'); };
"""


@pytest.fixture(scope="module", params=[False, True], ids=["reads-open-on-loopback", "reads-need-key"])
def org(workdir, request):
    """On loopback with a key, reads are open unless server.reads_need_key: both ways."""
    org = Org.init(workdir, "keyed-reads" if request.param else "keyed")
    config = org.read_json("lemming.json")
    config["server"] = {"host": "127.0.0.1", "api_key_env": [VARIABLE], "reads_need_key": request.param}
    org.write_json("lemming.json", config)
    org.send("manager", "Plan the release")
    org.run_ticks(2)
    return org


@pytest.fixture(scope="module")
def server(org):
    server = Server(org, env={VARIABLE: KEY}).start()
    yield server
    assert server.stop() == 0
    assert KEY not in server.stderr_text() and KEY not in "\n".join(server.lines), "the key was logged"
    server.discard_log()


@pytest.fixture
def stranger(server):
    """A browser with no session: a new profile, no cookie."""
    browser = Browser(1280, 900)
    yield browser
    browser.close()


def session_state(browser):
    answer = browser.js_async(GET, "/api/session")
    assert answer["status"] == 200, answer
    return json.loads(answer["body"])


def compose(browser, text):
    form = browser.find('form[data-action="send"]')
    browser.fill(form, "to", "manager")
    browser.fill(form, "text", text)
    browser.submit(form)


def open_desk(browser, server):
    """Opens the desk; returns the session state. Without a session the login form shows at
    once when reads need the key, else at the first change the API refuses."""
    browser.open(server.url + "/#/desk")
    state = session_state(browser)
    if state["key_required_for_reads"] and not state["authenticated"]:
        browser.find('form[data-action="login"] [name="key"]')
    else:
        browser.wait_drawn("desk")
    return state


def test_without_the_session_the_api_and_the_socket_refuse_the_browser(stranger, server, org):
    state = open_desk(stranger, server)
    assert state["authenticated"] is False
    assert state["key_required_for_changes"] is True
    assert state["key_required_for_reads"] is org.read_json("lemming.json")["server"]["reads_need_key"]

    before = set(org.entries("human"))
    with stranger.expect_errors(r"status of 401", r"WebSocket connection to .* failed"):
        assert stranger.js_async(POST_MESSAGE, "sent without a session") == 401
        if state["key_required_for_reads"]:
            assert stranger.js_async(GET, "/api/status")["status"] == 401
            assert stranger.js_async(OPEN_SOCKET, False) == "refused"
        else:
            # Reads stay open on loopback (the documented access model): the socket is accepted.
            assert stranger.js_async(GET, "/api/status")["status"] == 200
            assert stranger.js_async(OPEN_SOCKET, False) == "open"
            # A change made in the UI is refused, and the dashboard asks for the key.
            compose(stranger, "sent from the UI without a session")
            stranger.find('form[data-action="login"] [name="key"]')
    assert set(org.entries("human")) == before, "a change went through without the session"
    # The answers from outside the browser agree: a change needs the key.
    assert server.api("POST", "/api/messages", {"to": "manager", "text": "no key"}).status == 401


def test_a_wrong_key_is_refused_and_the_right_one_logs_in(stranger, server, org):
    state = open_desk(stranger, server)
    if not state["key_required_for_reads"]:
        with stranger.expect_errors(r"status of 401"):
            compose(stranger, "refused: the dashboard asks for the key")
            # The refusal has come back (and its console line with it) once the form shows.
            stranger.find('form[data-action="login"] [name="key"]')
    with stranger.expect_errors(r"status of 401"):
        assert stranger.js_async(POST_SESSION, "not-the-key") == 401
    assert not [c for c in stranger.driver.get_cookies() if c["name"] == "lemming_session"]
    assert session_state(stranger)["authenticated"] is False

    form = stranger.find('form[data-action="login"]')
    stranger.fill(form, "key", KEY)
    stranger.submit(form)
    stranger.wait(lambda _: session_state(stranger)["authenticated"] is True, message="a session after login")
    stranger.wait(lambda d: not [f for f in d.find_elements("css selector", 'form[data-action="login"]')
                                 if f.is_displayed()], message="the login form gone")

    cookie = next(c for c in stranger.driver.get_cookies() if c["name"] == "lemming_session")
    assert cookie["httpOnly"] is True
    assert cookie["sameSite"] == "Strict"
    assert "lemming_session" not in stranger.js("return document.cookie;")
    assert KEY not in stranger.js("return document.documentElement.outerHTML + JSON.stringify(localStorage) "
                                  "+ JSON.stringify(sessionStorage);"), "the key was kept in the page"

    # The session works for the API (a change made in the UI, also after a reload) and the WebSocket.
    stranger.driver.refresh()
    stranger.wait_drawn("desk")
    text = "Sent after logging in"
    compose(stranger, text)
    wait_until(lambda: any(e["payload"].get("text") == text for e in org.entries("human").values()),
               message="the message sent after login on disk")
    assert stranger.js_async(OPEN_SOCKET, True) == "open"
    # A change without the CSRF token is refused, even with the cookie.
    with stranger.expect_errors(r"status of 40[13]"):
        assert stranger.js_async(POST_MESSAGE, "no csrf token") in (401, 403)
