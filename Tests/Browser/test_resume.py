"""A resume saved with an error in the agent inspector shows the validator's message and changes nothing."""

import json

AGENT = "coder"
FIELD = "schedule.run_every_n_ticks"


def test_a_resume_saved_with_an_error_shows_the_validators_message_and_changes_nothing(browser, server, org):
    path = org.path(f"agents/{AGENT}/resume.json")
    before = path.read_bytes()
    broken = json.loads(before)
    broken["schedule"]["run_every_n_ticks"] = 0
    # What the validator says about it, asked from outside: the page must show the same words.
    answer = server.api("PUT", f"/api/agents/{AGENT}/resume", broken)
    assert answer.status == 422
    issues = [i for i in answer.json()["error"]["details"] if i["field"] == FIELD]
    assert issues and path.read_bytes() == before
    message = issues[0]["message"]

    browser.open(server.url + f"/#/agents/{AGENT}/resume")
    browser.wait_drawn("agents")
    form = browser.find('form[data-action="save-resume"]')
    field = form.find_element("css selector", f'[name="{FIELD}"]')
    assert field.get_attribute("value") == "1"
    field.clear()
    field.send_keys("0")
    with browser.expect_errors(r"status of 422"):
        browser.submit(form)
        # The message, next to the field it is about.
        wrap = form.find_element("css selector", f'[data-field="{FIELD}"]')
        browser.wait(lambda _: message in wrap.text, message=f"{message!r} next to the field {FIELD}")
    assert path.read_bytes() == before, "a refused resume changed the file"
    assert server.api("GET", f"/api/agents/{AGENT}").json()["resume"]["schedule"]["run_every_n_ticks"] == 1
