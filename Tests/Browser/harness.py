"""What the browser tests, the screenshots and the dashboard benchmark share.

- ``Org``: a temporary org made and driven with the built ``lemming`` binary (``LEMMING_BIN``,
  default ``.build/debug/lemming``).
- ``Server``: ``lemming serve`` on 127.0.0.1 (port 0 unless told), its printed URL parsed, stopped
  with SIGTERM; ``api()`` calls it from outside the browser, as curl would (no ``Origin``).
- ``Browser``: Debian's headless chromium through chromedriver (``CHROMIUM``, ``CHROMEDRIVER``), with
  the console captured; ``console_errors()`` returns what the page logged at level SEVERE.

Only the standard library and selenium; nothing here sleeps for a fixed time.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import tempfile
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

from selenium import webdriver
from selenium.common.exceptions import TimeoutException, WebDriverException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select, WebDriverWait

REPO = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMEDRIVER = os.environ.get("CHROMEDRIVER", "/usr/bin/chromedriver")
# Seconds an explicit wait gives the page: generous, since CI shares two cores with the build.
WAIT = float(os.environ.get("LEMMING_BROWSER_WAIT", "20"))

VIEWS = ["overview", "graph", "timeline", "messages", "agents/{agent}", "credits", "desk", "tools"]


def lemming_bin() -> str:
    path = Path(os.environ.get("LEMMING_BIN", REPO / ".build/debug/lemming"))
    if not path.is_absolute():
        path = REPO / path
    if not os.access(path, os.X_OK):
        raise RuntimeError(f"no lemming binary at {path}: build it (swift build) or set LEMMING_BIN")
    return str(path)


def missing_browser() -> str | None:
    """A one-line reason the browser cannot run here, or None."""
    for path in (CHROMIUM, CHROMEDRIVER):
        if not os.access(path, os.X_OK):
            return f"{path} is missing: install chromium and its driver (apt-get install chromium chromium-driver)"
    return None


def clean_environment(extra: dict[str, str] | None = None) -> dict[str, str]:
    """The environment for lemming: no API key inherited from the caller, a quiet log."""
    env = {k: v for k, v in os.environ.items() if k != "LEMMING_API_KEY" and k != "LEMMING_ORG"}
    env.setdefault("LEMMING_LOG_LEVEL", "warning")
    env.update(extra or {})
    return env


def wait_until(predicate, timeout: float = WAIT, message: str = "condition", poll: float = 0.05):
    """Polls ``predicate`` (outside the browser: files, processes) until it returns a truthy value."""
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        last = predicate()
        if last:
            return last
        # A file or a process has no event to wait on: poll it until the deadline.
        time.sleep(poll)
    raise TimeoutError(f"timed out after {timeout:.0f} s waiting for {message} (last: {last!r})")


class Org:
    """An org folder and the CLI that drives it."""

    def __init__(self, root: Path):
        self.root = Path(root)

    @classmethod
    def init(cls, parent: Path, name: str = "org") -> "Org":
        org = cls(Path(parent) / name)
        run([lemming_bin(), "init", str(org.root)])
        return org

    @classmethod
    def create(cls, parent: Path, name: str, config: dict, models: dict, agents: dict[str, dict],
               replies: list[dict] | None = None) -> "Org":
        """An org written by hand: ``lemming.json``, ``models.json``, resumes and scripted replies."""
        org = cls(Path(parent) / name)
        org.write_json("lemming.json", {"format": 1, "name": name, **config})
        org.write_json("models.json", models)
        (org.root / "agents/human/outbox").mkdir(parents=True, exist_ok=True)
        for agent, resume in agents.items():
            org.write_json(f"agents/{agent}/resume.json", {"name": agent, **resume})
        if replies is not None:
            lines = "".join(json.dumps(line) + "\n" for line in replies)
            (org.root / "replies.jsonl").write_text(lines)
        org.lemming("validate")
        return org

    def path(self, relative: str) -> Path:
        return self.root / relative

    def write_json(self, relative: str, value) -> None:
        path = self.path(relative)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(value, indent=2) + "\n")

    def read_json(self, relative: str):
        return json.loads(self.path(relative).read_text())

    def lemming(self, *args: str, env: dict[str, str] | None = None) -> str:
        return run([lemming_bin(), *args, "--org", str(self.root)], env=env)

    def run_ticks(self, count: int) -> None:
        self.lemming("run", "--ticks", str(count))

    def send(self, to: str, text: str) -> None:
        self.lemming("send", to, text)

    def entries(self, agent: str) -> dict[str, dict]:
        """The entries in an agent's outbox, by id."""
        folder = self.path(f"agents/{agent}/outbox")
        if not folder.is_dir():
            return {}
        return {p.stem: json.loads(p.read_text()) for p in sorted(folder.glob("*.json"))}

    def all_entry_ids(self) -> set[str]:
        ids: set[str] = set()
        for folder in self.path("agents").iterdir():
            ids.update(self.entries(folder.name))
        return ids

    def next_tick(self) -> int:
        return int(self.read_json("state/tick.json")["next_tick"])

    def events(self) -> list[dict]:
        log = self.path("logs/engine.jsonl")
        if not log.exists():
            return []
        return [json.loads(line) for line in log.read_text().splitlines() if line.strip()]


def run(command: list[str], env: dict[str, str] | None = None) -> str:
    result = subprocess.run(command, capture_output=True, text=True, env=clean_environment(env), timeout=600)
    if result.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} exited {result.returncode}: {result.stderr.strip()}")
    return result.stdout


class APIResponse:
    def __init__(self, status: int, body: bytes, headers):
        self.status = status
        self.body = body
        self.headers = headers

    def json(self):
        return json.loads(self.body) if self.body else None


class Server:
    """``lemming serve`` in a child process, on 127.0.0.1."""

    URL = re.compile(r"serving .* on (http://[^\s]+:(\d+)) ")

    def __init__(self, org: Org, port: int = 0, run_engine: bool = False, env: dict[str, str] | None = None):
        self.org = org
        self.port = port
        self.run_engine = run_engine
        self.env = env or {}
        self.url = ""
        self.process: subprocess.Popen | None = None
        self.lines: list[str] = []
        self.stderr_path = Path(tempfile.mkstemp(prefix="lemming-serve-", suffix=".log")[1])

    def __enter__(self) -> "Server":
        return self.start()

    def __exit__(self, error_type, *_):
        self.stop()
        # The server's log is kept only when the test failed inside the block (its path is printed).
        if error_type is None:
            self.discard_log()
        else:
            print(f"lemming serve's log: {self.stderr_path}")

    def discard_log(self) -> None:
        """Deletes the server's log file (call once the test no longer needs it)."""
        self.stderr_path.unlink(missing_ok=True)

    def start(self) -> "Server":
        command = [lemming_bin(), "serve", "--port", str(self.port), "--org", str(self.org.root)]
        if self.run_engine:
            command.append("--run")
        extra = dict(self.env)
        if os.environ.get("LEMMING_DASHBOARD_DIR"):
            extra["LEMMING_DASHBOARD_DIR"] = os.environ["LEMMING_DASHBOARD_DIR"]
        self.stderr = open(self.stderr_path, "w")
        self.process = subprocess.Popen(
            command, stdout=subprocess.PIPE, stderr=self.stderr, text=True, env=clean_environment(extra),
            start_new_session=True)
        started = threading.Event()

        def read():
            assert self.process and self.process.stdout
            for line in self.process.stdout:
                self.lines.append(line.rstrip("\n"))
                if self.URL.search(line):
                    started.set()
            started.set()

        threading.Thread(target=read, daemon=True).start()
        if not started.wait(60) or not self.lines or not self.URL.search(self.lines[0]):
            self.kill()
            raise RuntimeError(f"lemming serve did not start: {self.lines} {self.stderr_text()}")
        match = self.URL.search(self.lines[0])
        assert match
        self.url = match.group(1)
        self.port = int(match.group(2))
        return self

    def stderr_text(self) -> str:
        return self.stderr_path.read_text() if self.stderr_path.exists() else ""

    def stop(self) -> int:
        """SIGTERM, then wait for a clean exit; returns the exit status."""
        if not self.process or self.process.poll() is not None:
            return self.process.returncode if self.process else 0
        self.process.send_signal(signal.SIGTERM)
        try:
            status = self.process.wait(timeout=90)
        except subprocess.TimeoutExpired:
            self.kill()
            raise RuntimeError("lemming serve did not stop within 90 s of SIGTERM")
        self.stderr.close()
        return status

    def kill(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.kill()
            self.process.wait()

    def api(self, method: str, path: str, body=None, headers: dict[str, str] | None = None) -> APIResponse:
        """A request from outside the browser (no Origin, like curl)."""
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(self.url + path, data=data, method=method)
        if data is not None:
            request.add_header("Content-Type", "application/json")
        for name, value in (headers or {}).items():
            request.add_header(name, value)
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                return APIResponse(response.status, response.read(), response.headers)
        except urllib.error.HTTPError as error:
            return APIResponse(error.code, error.read(), error.headers)

    def step(self, headers: dict[str, str] | None = None) -> dict:
        response = self.api("POST", "/api/step", headers=headers)
        if response.status != 200:
            raise RuntimeError(f"POST /api/step answered {response.status}: {response.body!r}")
        return response.json()

    def status(self) -> dict:
        return self.api("GET", "/api/status").json()


class Browser:
    """A headless chromium with its console captured."""

    # Every browser started and not yet checked, so a test fixture can check each one's console.
    started: list["Browser"] = []

    def __init__(self, width: int = 1280, height: int = 900, performance_log: bool = False):
        options = webdriver.ChromeOptions()
        options.binary_location = CHROMIUM
        for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                         "--no-first-run", "--no-default-browser-check", "--disable-extensions",
                         "--disable-background-networking", "--disable-component-update",
                         "--disable-sync", "--force-device-scale-factor=1", "--hide-scrollbars",
                         "--disable-features=Translate,MediaRouter,OptimizationHints",
                         f"--window-size={width},{height}"):
            options.add_argument(argument)
        prefs = {"browser": "ALL"}
        if performance_log:
            prefs["performance"] = "ALL"
        options.set_capability("goog:loggingPrefs", prefs)
        service = Service(executable_path=CHROMEDRIVER, log_output=subprocess.DEVNULL)
        self.driver = webdriver.Chrome(service=service, options=options)
        self.driver.set_script_timeout(WAIT)
        self.console: list[dict] = []
        self.closed = False
        Browser.started.append(self)
        self.resize(width, height)

    def close(self) -> None:
        """Quits chromium, keeping what its console said for the checks after the test."""
        if self.closed:
            return
        try:
            self.read_console()
            self.driver.quit()
        except WebDriverException:
            pass
        self.closed = True

    def resize(self, width: int, height: int) -> None:
        """Makes the viewport exactly ``width`` × ``height`` CSS pixels."""
        self.driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {
            "width": width, "height": height, "deviceScaleFactor": 1, "mobile": False})

    def color_scheme(self, scheme: str) -> None:
        """Emulates the system's ``prefers-color-scheme``: ``light`` or ``dark``."""
        self.driver.execute_cdp_cmd("Emulation.setEmulatedMedia", {
            "features": [{"name": "prefers-color-scheme", "value": scheme}]})

    # The console

    def read_console(self) -> list[dict]:
        """Moves what the page logged since the last call into ``console`` and returns it."""
        if self.closed:
            return []
        entries = self.driver.get_log("browser")
        self.console.extend(entries)
        return entries

    def console_errors(self, since: int = 0) -> list[dict]:
        """Every SEVERE console entry (from index ``since``) that ``expect_errors`` did not allow."""
        self.read_console()
        return [e for e in self.console[since:] if e.get("level") == "SEVERE" and not e.get("reported")]

    def assert_no_console_errors(self) -> None:
        errors = self.console_errors()
        for error in errors:
            error["reported"] = True
        assert not errors, "console errors:\n" + "\n".join(e["message"] for e in errors)

    def expect_errors(self, *patterns: str):
        """A block in which network errors matching ``patterns`` are expected (a refused request).

        Only entries the browser itself logs for a failed request (source ``network``) can be
        excused: an exception or a ``console.error`` of the page never is.
        """
        browser = self

        class Expecting:
            def __enter__(self):
                browser.read_console()
                self.mark = len(browser.console)

            def __exit__(self, *_):
                browser.read_console()
                compiled = [re.compile(p) for p in patterns]
                for entry in browser.console[self.mark:]:
                    if entry.get("source") == "network" and any(p.search(entry.get("message", "")) for p in compiled):
                        entry["level"] = "EXPECTED"

        return Expecting()

    # Pages

    def open(self, url: str) -> None:
        self.driver.get(url)

    def wait(self, condition, timeout: float = WAIT, message: str = ""):
        try:
            return WebDriverWait(self.driver, timeout, poll_frequency=0.05).until(condition)
        except TimeoutException:
            raise TimeoutException(
                f"{message or condition} not met after {timeout:.0f} s at {self.driver.current_url}; "
                f"console: {[e['message'] for e in self.console_errors()]}") from None

    def js(self, script: str, *args):
        return self.driver.execute_script(script, *args)

    def js_async(self, script: str, *args):
        """Runs ``script`` with ``done`` as the last argument to call with the result."""
        return self.driver.execute_async_script(script, *args)

    def find(self, css: str, timeout: float = WAIT):
        """Waits for a visible element matching ``css``."""
        def visible(driver):
            for element in driver.find_elements(By.CSS_SELECTOR, css):
                if element.is_displayed():
                    return element
            return False
        return self.wait(visible, timeout, f"a visible {css}")

    def all(self, css: str):
        return self.driver.find_elements(By.CSS_SELECTOR, css)

    def text_of(self, css: str) -> str | None:
        return self.js("const e = document.querySelector(arguments[0]); return e ? e.textContent.trim() : null;", css)

    def clear_marks(self) -> None:
        self.js("performance.clearMarks();")

    def wait_drawn(self, view: str | None = None, timeout: float = WAIT) -> str:
        """Waits for ``performance.mark("lemming:drawn:<view>")`` (any view when None); its name."""
        def drawn(driver):
            names = driver.execute_script(
                "return performance.getEntriesByType('mark').map(m => m.name)"
                ".filter(n => n.startsWith('lemming:drawn:'));")
            if view is None:
                return names[-1] if names else False
            return f"lemming:drawn:{view}" if f"lemming:drawn:{view}" in names else False
        return self.wait(drawn, timeout, f"the mark lemming:drawn:{view or '*'}")

    def go(self, fragment: str) -> str:
        """Goes to ``#/<fragment>`` within the page and waits for its view (the fragment's first
        segment: ``agents`` for ``agents/coder``) to be drawn."""
        view = fragment.split("/")[0]
        self.clear_marks()
        if self.js("return location.hash;") == "#/" + fragment:
            self.driver.refresh()
        else:
            self.js("location.hash = arguments[0];", "#/" + fragment)
        return self.wait_drawn(view)

    def fill(self, form, name: str, value: str) -> None:
        """Types ``value`` into the field ``name`` of ``form`` (or picks it, in a select)."""
        field = form.find_element(By.CSS_SELECTOR, f'[name="{name}"]')
        if field.tag_name == "select":
            Select(field).select_by_value(value)
        else:
            field.clear()
            field.send_keys(value)

    def submit(self, form) -> None:
        """Clicks the form's submit button, as a person would."""
        buttons = [b for b in form.find_elements(
            By.CSS_SELECTOR, 'button[type="submit"], button:not([type]), input[type="submit"]') if b.is_displayed()]
        assert buttons, "the form has no visible submit button"
        buttons[0].click()

    def current_tick(self) -> int | None:
        text = self.text_of("[data-current-tick]")
        return int(text) if text and text.isdigit() else None

    def background_luminance(self) -> float:
        """Relative luminance (0 black … 1 white) of the page's background colour."""
        rgb = self.js("""
            for (const e of [document.body, document.documentElement]) {
              const c = getComputedStyle(e).backgroundColor;
              const m = c.match(/[\\d.]+/g);
              if (m && !(m.length === 4 && Number(m[3]) === 0)) return m.slice(0, 3).map(Number);
            }
            return [255, 255, 255];""")
        channels = [c / 255 for c in rgb]
        linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]

    def performance_messages(self) -> list[dict]:
        """The DevTools events of the performance log since the last call (needs performance_log)."""
        return [json.loads(e["message"])["message"] for e in self.driver.get_log("performance")]


def temporary_directory(prefix: str) -> Path:
    return Path(tempfile.mkdtemp(prefix=prefix))


def remove(path: Path) -> None:
    shutil.rmtree(path, ignore_errors=True)


def demo_org(parent: Path, ticks: int = 6) -> Org:
    """``lemming init``'s team after a conversation with the human, plus ``writer``.

    The team runs on the built-in simulation. ``writer`` (scripted replies) reads the manager,
    reports every tick and, at tick 2, calls ``file_write``, which ``tools.require_approval``
    holds for the human (so is the simulated coder's ``file_write``): after ``ticks`` ticks the
    org has entries, turns, spending, answers for the human and approvals waiting.
    """
    org = Org.init(parent, "demo")
    config = org.read_json("lemming.json")
    config["tools"] = {"require_approval": ["file_write"]}
    org.write_json("lemming.json", config)
    models = org.read_json("models.json")
    models["script"] = {"provider": "scripted", "replies": "replies.jsonl",
                        "price_in_per_mtok": 0.15, "price_out_per_mtok": 0.6}
    org.write_json("models.json", models)
    org.write_json("agents/writer/resume.json", {
        "name": "writer", "title": "Technical writer", "short_description": "Writes the release notes.",
        "instructions": "Write the release notes the manager asks for into notes.md.",
        "model": {"key": "script"},
        "permissions": {"read_outboxes": ["manager"], "tools": ["file_write", "file_read"]},
        "schedule": {"run_every_n_ticks": 1}, "credits": {"max_credits": 5.0}})
    manager = org.read_json("agents/manager/resume.json")
    manager["permissions"]["read_outboxes"].append("writer")
    org.write_json("agents/manager/resume.json", manager)
    write = {"tool": "file_write", "args": {"path": "notes.md", "content": "# Release notes\n"}}
    progress = ["outline ready", "waiting for approval to write notes.md", "changelog collected",
                "draft reviewed", "screenshots listed", "final pass", "ready to publish"]
    replies = [{"agent": "writer", "tick": 2, "reply": {"notes": "drafting", "tool_calls": [write]}}]
    replies += [{"agent": "writer", "tick": tick, "reply": {"notes": "reporting", "outbox_entries": [
        {"kind": "report", "payload": {"text": f"Release notes (tick {tick}): {text}."}, "to": ["manager"]}]}}
        for tick, text in enumerate(progress, start=1) if tick != 2]
    (org.root / "replies.jsonl").write_text("".join(json.dumps(r) + "\n" for r in replies))
    org.lemming("validate")
    org.send("manager", "Plan the release of version 2 and tell me when it is ready.")
    org.run_ticks(ticks)
    org.send("manager", "Any blockers?")
    org.run_ticks(1)
    return org
