"""SpiffWorkflow adapter: sandbox, BPMN parser, validation and runner (the only SpiffWorkflow user)."""
