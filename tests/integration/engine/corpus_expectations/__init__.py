"""What each corpus diagram does here (tests/corpora/bpmn, README there): one expectation per file.

("refused", element, text): the upload answers 422 with an error on that element containing the
text (Java delegates name their class); ("runs", status): started by hand on a lead, it reaches a
wait state or its end; ("incident", element, text, why): it stops in an incident on that element
(never an engine error; `why` says what the diagram lacks); ("deploys", text): it deploys but
starts only on its message or timer, not by hand.

One module per set of diagrams (camunda-examples, SpiffWorkflow's bpmn and camunda data), in
file order; EXPECTED, all of them, is what the tests read.
"""

from tests.integration.engine.corpus_expectations.camunda_examples import CAMUNDA_EXAMPLES
from tests.integration.engine.corpus_expectations.spiffworkflow_bpmn import SPIFFWORKFLOW_BPMN
from tests.integration.engine.corpus_expectations.spiffworkflow_camunda import SPIFFWORKFLOW_CAMUNDA

_PARTS = (CAMUNDA_EXAMPLES, SPIFFWORKFLOW_BPMN, SPIFFWORKFLOW_CAMUNDA)
EXPECTED: dict[str, tuple] = {name: expected for part in _PARTS for name, expected in part.items()}
assert len(EXPECTED) == sum(map(len, _PARTS)), "a diagram expected in two modules"
