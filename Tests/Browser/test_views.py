"""Every view loads and draws with no console error, in both themes and at 1024 px wide."""

import pytest

from harness import VIEWS

AGENT = "manager"


def fragments():
    return [view.format(agent=AGENT) for view in VIEWS]


def open_fresh(browser, server, scheme, fragment="overview"):
    """Loads the dashboard with the system in ``scheme`` and no theme remembered."""
    browser.color_scheme(scheme)
    browser.open(server.url + "/")
    browser.js("localStorage.clear(); sessionStorage.clear();")
    browser.open(server.url + "/#/" + fragment)
    browser.driver.refresh()
    return browser.wait_drawn(fragment.split("/")[0])


def assert_theme(browser, scheme):
    luminance = browser.background_luminance()
    if scheme == "dark":
        assert luminance < 0.2, f"dark theme expected, the background's luminance is {luminance:.2f}"
    else:
        assert luminance > 0.6, f"light theme expected, the background's luminance is {luminance:.2f}"


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_every_view_draws_without_console_errors(browser, server, scheme):
    open_fresh(browser, server, scheme)
    for fragment in fragments():
        browser.go(fragment)
        assert_theme(browser, scheme)
        # Something was drawn: the view has visible text or graphics in the main area.
        assert browser.js(
            "const m = document.querySelector('main') || document.body;"
            "return m.innerText.trim().length > 0 || m.querySelector('svg, canvas') !== null;"), fragment
        browser.assert_no_console_errors()


@pytest.mark.parametrize("fragment", fragments())
def test_a_view_loads_by_its_url(browser, server, fragment):
    """Opening ``/#/<view>`` directly (a bookmark, a reload) draws that view."""
    browser.open(server.url + "/")
    browser.clear_marks()
    browser.open(server.url + "/#/" + fragment)
    browser.driver.refresh()
    browser.wait_drawn(fragment.split("/")[0])
    hooks = {"overview": "[data-current-tick]", "graph": f'[data-agent="{AGENT}"]',
             "messages": "[data-entry-id]", "desk": 'form[data-action="send"]'}
    if fragment in hooks:
        browser.find(hooks[fragment])


def test_the_theme_toggle_switches_and_is_remembered(browser, server):
    open_fresh(browser, server, "light")
    assert_theme(browser, "light")
    browser.find('[data-action="theme"]').click()
    browser.wait(lambda _: browser.background_luminance() < 0.2, message="the dark theme after the toggle")
    browser.driver.refresh()
    browser.wait_drawn("overview")
    assert_theme(browser, "dark")
    # The system's preference no longer decides: the choice was remembered.
    browser.color_scheme("light")
    assert_theme(browser, "dark")
    browser.find('[data-action="theme"]').click()
    browser.wait(lambda _: browser.background_luminance() > 0.6, message="the light theme after the toggle")
    browser.js("localStorage.clear();")


def test_every_view_fits_1024_pixels(browser, server):
    open_fresh(browser, server, "light")
    browser.resize(1024, 768)
    try:
        for fragment in fragments():
            browser.go(fragment)
            overflow = browser.js(
                "return document.documentElement.scrollWidth - document.documentElement.clientWidth;")
            assert overflow <= 1, f"#/{fragment} is {overflow} px wider than a 1024 px window"
            browser.find("[data-current-tick]")
            browser.find('[data-action="theme"]')
    finally:
        browser.resize(1280, 900)


def test_the_graph_opens_an_agent(browser, server):
    open_fresh(browser, server, "light", "graph")
    node = browser.find(f'[data-agent="{AGENT}"]')
    browser.clear_marks()
    node.click()
    browser.wait(lambda d: d.execute_script("return location.hash;") == f"#/agents/{AGENT}",
                 message="the agent inspector after a click on its node")
    browser.wait_drawn("agents")


def test_the_views_are_reachable_with_the_keyboard(browser, server):
    """Tab walks through real links and buttons, each with a visible focus ring; Enter opens a view."""
    from selenium.webdriver.common.keys import Keys

    open_fresh(browser, server, "light")
    browser.js("document.activeElement && document.activeElement.blur();")
    seen = []
    for _ in range(20):
        browser.driver.switch_to.active_element.send_keys(Keys.TAB)
        focused = browser.js("""
            const e = document.activeElement;
            const ring = (s) => s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) > 0 || s.boxShadow !== 'none';
            return {tag: e.tagName.toLowerCase(), text: (e.textContent || e.value || '').trim().slice(0, 40),
                    href: e.getAttribute('href'),
                    ring: [null, '::before', '::after'].some((p) => ring(getComputedStyle(e, p)))};""")
        assert focused["tag"] in ("a", "button", "input", "select", "textarea"), focused
        assert focused["ring"], f"no visible focus on {focused}"
        seen.append(focused)
        if focused["href"] == "#/messages":
            break
    assert seen[-1]["href"] == "#/messages", f"the navigation was not reached by Tab: {seen}"
    browser.clear_marks()
    browser.driver.switch_to.active_element.send_keys(Keys.ENTER)
    browser.wait_drawn("messages")
