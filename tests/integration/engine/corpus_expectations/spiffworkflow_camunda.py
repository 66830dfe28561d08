"""Expectations for spiffworkflow/camunda__* (SpiffWorkflow's tests/SpiffWorkflow/camunda/data)."""

SPIFFWORKFLOW_CAMUNDA: dict[str, tuple] = {
    'spiffworkflow/camunda__DMNMultiInstance.bpmn': (
        'refused',
        'Task_067fajl',
        "decisionRef: No decision 'IntegerDecisionStringOutputTable': deploy the DMN file first",
    ),
    'spiffworkflow/camunda__ExclusiveGatewayIfElseAndDecision.bpmn': (
        'refused',
        'TaskDecision',
        "decisionRef: No decision 'IntegerDecisionStringOutputTable': deploy the DMN file first",
    ),
    'spiffworkflow/camunda__MessageBoundary.bpmn': (
        'refused',
        'Event_0g8w85g',
        'the Java expression \'"Interrupt!"\' (camunda:expression) cannot run here: use an external',
    ),
    'spiffworkflow/camunda__call_activity_with_message.bpmn': (
        'refused',
        'Event_Send_Approval_Request',
        "the Java expression 'plan_details' (camunda:expression) cannot run here: use an external",
    ),
    'spiffworkflow/camunda__call_activity_with_message_parent.bpmn': (
        'refused',
        'Event_Send_Approval_Response',
        "the Java expression 'approved' (camunda:expression) cannot run here: use an external",
    ),
    'spiffworkflow/camunda__external_message.bpmn': (
        'refused',
        'Activity_1n8ighs',
        "script format 'reset' is not supported: use python or javascript",
    ),
    'spiffworkflow/camunda__invalid__InvalidDecision.bpmn': (
        'refused',
        'InvalidDecisionTaskId',
        "decisionRef: No decision 'InvalidDecisionId': deploy the DMN file first",
    ),
    'spiffworkflow/camunda__message_test.bpmn': (
        'refused',
        'SendDecision',
        "the Java expression 'approved' (camunda:expression) cannot run here: use an external",
    ),
    'spiffworkflow/camunda__no_form.bpmn': (
        'runs',
        'waiting',
    ),
    'spiffworkflow/camunda__noninterrupting-MessageBoundary.bpmn': (
        'refused',
        'Event_0g8w85g',
        'the Java expression \'"Youre late!"\' (camunda:expression) cannot run here: use an external',
    ),
    'spiffworkflow/camunda__parallel_multiinstance_cardinality.bpmn': (
        'incident',
        'any_task',
        "any_task: the collection variable 'output_data' is not set",
        'needs input variables its own test suite sets before starting',
    ),
    'spiffworkflow/camunda__parallel_multiinstance_collection.bpmn': (
        'incident',
        'any_task',
        "any_task: the collection variable 'input_data' is not set",
        'needs input variables its own test suite sets before starting',
    ),
    'spiffworkflow/camunda__random_fact.bpmn': (
        'refused',
        'Task_Get_Fact_From_API',
        "input parameter 'Fact.type' needs a variable name",
    ),
    'spiffworkflow/camunda__subWorkflowComplex.bpmn': (
        'runs',
        'waiting',
    ),
    'spiffworkflow/camunda__token_trial_nested_parallel.bpmn': (
        'runs',
        'waiting',
    ),
    'spiffworkflow/camunda__token_trial_parallel_matrix.bpmn': (
        'runs',
        'waiting',
    ),
    'spiffworkflow/camunda__token_trial_parallel_simple.bpmn': (
        'refused',
        'UserTask_0fd3nql',
        "form field 'StaffInteractions': unknown type 'textarea' (allowed: string, long, boolean, date, enu"
        'm)',
    ),
    'spiffworkflow/camunda__token_trial_subprocess.bpmn': (
        'runs',
        'waiting',
    ),
}
