"""Fixtures of the browser tests.

Per test module: a temporary org (``org``, which a module may override), ``lemming serve --port 0``
on it (``server``) and one headless chromium (``browser``, 1280 × 900). Every test fails when any
browser it used logged a console error (SEVERE); the only entries a test may excuse are the
network errors of requests it makes fail on purpose (``Browser.expect_errors``).
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

import harness  # noqa: E402
from harness import Browser, Org, Server  # noqa: E402


def pytest_sessionstart(session):
    reason = harness.missing_browser()
    if reason:
        pytest.exit(reason, returncode=2)
    try:
        harness.lemming_bin()
    except RuntimeError as error:
        pytest.exit(str(error), returncode=2)


@pytest.fixture(scope="module")
def workdir():
    path = harness.temporary_directory("lemming-browser-")
    yield path
    harness.remove(path)


@pytest.fixture(scope="module")
def org(workdir) -> Org:
    """The demo org: the init team after a conversation, a writer whose file_write waits for approval."""
    return harness.demo_org(workdir)


@pytest.fixture(scope="module")
def server(org):
    server = Server(org).start()
    yield server
    status = server.stop()
    assert status == 0, f"lemming serve exited {status}: {server.stderr_text()}"
    server.discard_log()


@pytest.fixture(scope="module")
def browser(server):
    browser = Browser(1280, 900)
    yield browser
    browser.close()


@pytest.fixture(autouse=True)
def no_console_errors():
    """Fails the test when a browser it used logged a console error."""
    marks = {id(b): len(b.console) for b in Browser.started}
    for b in Browser.started:
        if not b.closed:
            b.read_console()
            marks[id(b)] = len(b.console)
    yield
    errors = []
    for b in list(Browser.started):
        errors += [e["message"] for e in b.console_errors(since=marks.get(id(b), 0))]
        if b.closed:
            Browser.started.remove(b)
    if errors:
        pytest.fail("console errors:\n" + "\n".join(errors), pytrace=False)
