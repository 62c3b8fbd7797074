"""`lemming test` against real third-party readers: the scenario schema checked by the `jsonschema`
package (JSON Schema 2020-12), and the JUnit report read by `junitparser`, the parser CI report
tools build on."""

import json
import subprocess
from pathlib import Path

import jsonschema
import pytest
from junitparser import Error, Failure, JUnitXml

from conftest import write_json

# The scenario of the README, without its comments.
README_SCENARIO = {
    "name": "login page",
    "org": "..",
    "replies": {"cassette": "cassettes/login.jsonl", "mode": "strict"},
    "messages": [{"tick": 1, "to": "manager", "text": "Please build the login page."}],
    "ticks": 6,
    "expect": {
        "entries": [{"from": "manager", "to": "human", "kind": "response", "contains": "login", "by_tick": 4}],
        "no_violations": True, "max_cost": 0.5, "no_loop_detected": True, "no_failed_turns": True,
        "rubric": {"judge": "claude", "prompt": "Does the manager answer the request?", "threshold": 0.7},
    },
}


def scenario_schema(lemming: str) -> dict:
    result = subprocess.run([lemming, "schema", "scenario"], check=True, capture_output=True, text=True)
    return json.loads(result.stdout)


def test_the_scenario_schema_is_valid_json_schema_and_accepts_the_readme_scenario(lemming: str) -> None:
    schema = scenario_schema(lemming)
    jsonschema.Draft202012Validator.check_schema(schema)
    jsonschema.Draft202012Validator(schema).validate(README_SCENARIO)


@pytest.mark.parametrize("change, field", [
    ({"ticks": 0}, "ticks"),
    ({"colour": "blue"}, "colour"),
    ({"template": "init"}, "template"),
    ({"replies": {"cassette": "c.jsonl", "mode": "loose"}}, "mode"),
    ({"messages": [{"tick": 1, "to": [], "text": "hi"}]}, "to"),
])
def test_what_the_schema_refuses_lemming_refuses(lemming: str, org: Path, change: dict, field: str) -> None:
    scenario = {**README_SCENARIO, **change}
    errors = list(jsonschema.Draft202012Validator(scenario_schema(lemming)).iter_errors(scenario))
    assert errors, f"jsonschema accepted {change}"
    write_json(org / "scenarios/bad.json", scenario)
    result = subprocess.run([lemming, "test", "--json"], cwd=org, capture_output=True, text=True)
    assert result.returncode == 1
    report = json.loads(result.stdout)
    error = report["scenarios"][0]["error"]
    assert error.startswith("scenarios/bad.json: ") and field in error, error


def test_the_junit_report_reads_in_junitparser(lemming: str, org: Path, tmp_path: Path) -> None:
    write_json(org / "scenarios/answered.json", {
        "org": "..", "ticks": 2,
        "messages": [{"tick": 1, "to": "manager", "text": "Please build the login page."}],
        "expect": {"entries": [{"from": "manager", "to": "human", "contains": "login page", "by_tick": 1}],
                   "no_violations": True},
    })
    write_json(org / "scenarios/silent.json", {
        "template": "init", "ticks": 1, "replies": {"scripted": [{"agent": "coder", "reply": "<not & json>"}]},
        "expect": {"entries": [{"from": "coder", "contains": "shipped"}], "no_violations": True, "max_cost": 0},
    })
    write_json(org / "scenarios/unknown.json", {"org": "..", "ticks": 1,
                                                "messages": [{"tick": 1, "to": "ghost", "text": "boo"}]})
    report = tmp_path / "junit.xml"
    result = subprocess.run([lemming, "test", "--junit", str(report)], cwd=org, capture_output=True, text=True)
    assert result.returncode == 1, result.stdout + result.stderr

    xml = JUnitXml.fromfile(str(report))
    suites = {suite.name: suite for suite in xml}
    assert set(suites) == {"answered", "silent", "unknown"}
    assert (xml.tests, xml.failures, xml.errors) == (8, 3, 1)

    answered = {case.name: case for case in suites["answered"]}
    assert list(answered) == ["run", "entry from manager to human containing “login page” by tick 1", "no violations"]
    assert all(case.is_passed for case in answered.values())

    silent = {case.name: case for case in suites["silent"]}
    failures = {name: case.result[0] for name, case in silent.items() if not case.is_passed}
    assert set(failures) == {"entry from coder containing “shipped”", "no violations", "cost at most 0"}
    assert all(isinstance(failure, Failure) and failure.type == "assertion" for failure in failures.values())
    assert "not_json" in failures["no violations"].message
    assert failures["cost at most 0"].message.startswith("spent ")

    (unknown,) = list(suites["unknown"])
    assert unknown.name == "run" and isinstance(unknown.result[0], Error)
    assert "no agent named 'ghost'" in unknown.result[0].message
