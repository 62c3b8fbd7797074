"""A resume saved with an error in the agent inspector shows the validator's message and changes nothing."""

import json

AGENT = "coder"
RESUME_FORM = 'form[data-action="save-resume"]'


def test_a_resume_saved_with_an_error_shows_the_validators_message_and_changes_nothing(browser, server, org):
    path = org.path(f"agents/{AGENT}/resume.json")
    before = path.read_bytes()
    broken = json.loads(before)
    broken["schedule"]["run_every_n_ticks"] = 0
    # What the validator says about it, asked from outside: the page must show the same words.
    answer = server.api("PUT", f"/api/agents/{AGENT}/resume", broken)
    assert answer.status == 422
    issues = answer.json()["error"]["details"]
    assert issues and path.read_bytes() == before
    messages = [issue["message"] for issue in issues]

    browser.open(server.url + f"/#/agents/{AGENT}")
    browser.wait_drawn("agents")
    form = browser.find(RESUME_FORM)
    editor = form.find_element("css selector", 'textarea[name="resume"]')
    browser.js("arguments[0].value = arguments[1]; arguments[0].dispatchEvent(new Event('input', {bubbles: true}));",
               editor, json.dumps(broken, indent=2))
    with browser.expect_errors(r"status of 422"):
        browser.submit(form)
        browser.wait(lambda d: all(m in form.text for m in messages),
                     message=f"the validator's messages {messages} in the resume editor")
    assert path.read_bytes() == before, "a refused resume changed the file"
    assert server.api("GET", f"/api/agents/{AGENT}").json()["resume"]["schedule"]["run_every_n_ticks"] == 1
