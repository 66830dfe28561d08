"""The public diagrams in tests/corpora/bpmn are tests: each file does what corpus_expectations says.

Every diagram deploys unless it needs something that cannot run here (Java, Groovy, DMN...), and
then the refusal names the element (Java delegates: and the class); every deployed one started by
hand runs to its end or to a wait state, or stops in an incident naming the element, never in an
engine error. Diagrams that SpiffWorkflow's own suite marks invalid must be refused.
"""
from __future__ import annotations

import json

import pytest

from tests.integration.engine.corpus_expectations import EXPECTED
from tests.integration.engine.corpus_needs import NEEDS
from tests.integration.engine.corpus_run import CORPUS, corpus_files, outcome


def test_every_corpus_file_has_an_expectation():
    assert sorted(EXPECTED) == corpus_files()
    invalid = json.loads((CORPUS / "expectations.json").read_text())
    for folder, files in invalid.items():
        if folder.startswith("_"):
            continue
        for name, meant in files.items():
            assert meant["expect"] == "refused" and EXPECTED[f"{folder}/{name}"][0] == "refused", name


@pytest.mark.parametrize("name", corpus_files())
def test_corpus_diagram(api, name):
    expected = EXPECTED[name]
    got = outcome(api, name, NEEDS.get(name, ()))
    assert got[0] == expected[0], (name, got)
    if expected[0] in ("refused", "incident"):
        assert got[1] == expected[1] and expected[2] in got[2], (name, got)
        if "Java" in expected[2]:
            assert "external service task" in got[2]
    else:
        assert got[1].startswith(expected[1]), (name, got)
