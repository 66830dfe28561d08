"""Expectations for spiffworkflow/bpmn__* (SpiffWorkflow's tests/SpiffWorkflow/bpmn/data)."""

SPIFFWORKFLOW_BPMN: dict[str, tuple] = {
    'spiffworkflow/bpmn__Approvals.bpmn': (
        'runs',
        'waiting',
    ),
    'spiffworkflow/bpmn__Invalid-Workflows__non-executable-process.bpmn': (
        'refused',
        None,
        'no executable process: every process is marked isExecutable="false"',
    ),
    'spiffworkflow/bpmn__ParallelOrder.bpmn': (
        'runs',
        'waiting',
    ),
    'spiffworkflow/bpmn__ScriptTest.bpmn': (
        'runs',
        'completed',
    ),
    'spiffworkflow/bpmn__boundary.bpmn': (
        'runs',
        'waiting',
    ),
    'spiffworkflow/bpmn__boundary_event_split.bpmn': (
        'runs',
        'waiting',
    ),
    'spiffworkflow/bpmn__boundary_timer_on_task.bpmn': (
        'runs',
        'waiting',
    ),
    'spiffworkflow/bpmn__call_activity_call_activity.bpmn': (
        'incident',
        'Sub_Bpmn_Task',
        "'Create Data' (Sub_Bpmn_Task): script failed: Line 3: NameError: name 'remove_this_var' is not def"
        'ined',
        'needs input variables its own test suite sets before starting',
    ),
    'spiffworkflow/bpmn__call_activity_end_event.bpmn': (
        'runs',
        'waiting',
    ),
    'spiffworkflow/bpmn__call_activity_nested__call_activity_level_2.bpmn': (
        'runs',
        'waiting',
    ),
    'spiffworkflow/bpmn__call_activity_nested__call_activity_level_2b.bpmn': (
        'runs',
        'waiting',
    ),
    'spiffworkflow/bpmn__call_activity_nested__call_activity_level_3.bpmn': (
        'runs',
        'waiting',
    ),
    'spiffworkflow/bpmn__call_activity_nested__call_activity_nested.bpmn': (
        'refused',
        'Activity_0gg4414',
        "decisionRef: No decision 'Level2c': deploy the DMN file first",
    ),
    'spiffworkflow/bpmn__call_activity_with_error.bpmn': (
        'runs',
        'waiting',
    ),
    'spiffworkflow/bpmn__collaboration.bpmn': (
        'runs',
        'waiting',
    ),
    'spiffworkflow/bpmn__conditional_event.bpmn': (
        'refused',
        'event_1',
        'conditional intermediateCatchEvents are not supported (allowed: link, message, signal, timer); Spi'
        'ffWorkflow evaluates a',
    ),
    'spiffworkflow/bpmn__correlation.bpmn': (
        'runs',
        'waiting',
    ),
    'spiffworkflow/bpmn__correlation_two_conversations.bpmn': (
        'runs',
        'waiting',
    ),
    'spiffworkflow/bpmn__custom_function_test.bpmn': (
        'incident',
        'Activity_1y303ko',
        "'FirstScript' (Activity_1y303ko): script failed: Line 1: NameError: name 'custom_function' is not "
        'defined',
        'needs input variables its own test suite sets before starting',
    ),
    'spiffworkflow/bpmn__custom_function_test_call_activity.bpmn': (
        'incident',
        'Activity_0jv4dsc',
        "'Third Script' (Activity_0jv4dsc): script failed: Line 1: NameError: name 'custom_function' is not"
        ' defined',
        'needs input variables its own test suite sets before starting',
    ),
    'spiffworkflow/bpmn__data_object.bpmn': (
        'runs',
        'waiting',
    ),
    'spiffworkflow/bpmn__data_object_gateway.bpmn': (
        'runs',
        'waiting',
    ),
    'spiffworkflow/bpmn__data_object_invalid.bpmn': (
        'refused',
        'DataObjectReference_0cm8dnh',
        "the id 'DataObjectReference_0cm8dnh' is used by 3 elements",
    ),
    'spiffworkflow/bpmn__data_store.bpmn': (
        'runs',
        'completed',
    ),
    'spiffworkflow/bpmn__data_store_read.bpmn': (
        'incident',
        'Activity_1skgyn9',
        "Activity_1skgyn9: script failed: Line 1: NameError: name 'variableTiedToDataStore' is not defined",
        'reads a variable only its data store would supply: data stores are documentation, as in Camunda 7',
    ),
    'spiffworkflow/bpmn__data_store_write.bpmn': (
        'runs',
        'completed',
    ),
    'spiffworkflow/bpmn__diff__v1.bpmn': (
        'runs',
        'waiting',
    ),
    'spiffworkflow/bpmn__diff__v2.bpmn': (
        'runs',
        'waiting',
    ),
    'spiffworkflow/bpmn__diff__v3.bpmn': (
        'runs',
        'waiting',
    ),
    'spiffworkflow/bpmn__diff__v4.bpmn': (
        'runs',
        'waiting',
    ),
    'spiffworkflow/bpmn__diff__v5.bpmn': (
        'refused',
        'Activity_1ds7clb',
        'transactions (and compensation) are not supported',
    ),
    'spiffworkflow/bpmn__event-gateway.bpmn': (
        'runs',
        'waiting',
    ),
    'spiffworkflow/bpmn__event-subprocess.bpmn': (
        'runs',
        'waiting',
    ),
    'spiffworkflow/bpmn__exclusive_gateway_no_default.bpmn': (
        'incident',
        'Gateway_CheckValue',
        "'CheckValue' (Gateway_CheckValue): expression 'x > 1' failed: Line 1: NameError: name 'x' is not d"
        'efined',
        'needs input variables its own test suite sets before starting',
    ),
    'spiffworkflow/bpmn__gateway_loop_input.bpmn': (
        'runs',
        'waiting',
    ),
    'spiffworkflow/bpmn__inclusive_gateway.bpmn': (
        'runs',
        'waiting',
    ),
    'spiffworkflow/bpmn__invalid_cancel.bpmn': (
        'refused',
        'Event_TokenReset',
        'cancel boundaryEvents are not supported (allowed: error, escalation, message, signal, timer); canc'
        'el events belong to tr',
    ),
    'spiffworkflow/bpmn__io_spec.bpmn': (
        'incident',
        'Activity_04d94ee',
        "'Task 1' (Activity_04d94ee): script failed: Line 1: NameError: name 'in_1' is not defined",
        'needs input variables its own test suite sets before starting',
    ),
    'spiffworkflow/bpmn__io_spec_on_task.bpmn': (
        'runs',
        'waiting',
    ),
    'spiffworkflow/bpmn__io_spec_parent.bpmn': (
        'runs',
        'waiting',
    ),
    'spiffworkflow/bpmn__lanes.bpmn': (
        'runs',
        'waiting',
    ),
    'spiffworkflow/bpmn__multiple-start-parallel.bpmn': (
        'refused',
        'StartEvent_1',
        'events with several event definitions are not supported',
    ),
    'spiffworkflow/bpmn__multiple-start.bpmn': (
        'refused',
        'StartEvent_1',
        'events with several event definitions are not supported',
    ),
    'spiffworkflow/bpmn__multiple-throw-start.bpmn': (
        'refused',
        'Event_07g2lnb',
        'events with several event definitions are not supported',
    ),
    'spiffworkflow/bpmn__multiple-throw.bpmn': (
        'refused',
        'StartEvent_1',
        'events with several event definitions are not supported',
    ),
    'spiffworkflow/bpmn__multiple_call_activities.bpmn': (
        'incident',
        'Activity_185dcnc',
        "Call activity Activity_185dcnc: the called process 'Process_sypm122' is not deployed",
        'calls a process that no corpus file defines',
    ),
    'spiffworkflow/bpmn__nested_call_activity.bpmn': (
        'incident',
        'Activity_0f25k4g',
        "Call activity Activity_0f25k4g: the called process 'is_this_missing' is not deployed",
        'calls a process that no corpus file defines',
    ),
    'spiffworkflow/bpmn__no-tasks.bpmn': (
        'runs',
        'completed',
    ),
    'spiffworkflow/bpmn__parallel_multiinstance_cardinality.bpmn': (
        'runs',
        'waiting',
    ),
    'spiffworkflow/bpmn__parallel_multiinstance_invalid.bpmn': (
        'refused',
        'any_task',
        'loopCardinality and loopDataInputRef exclude each other',
    ),
    'spiffworkflow/bpmn__parallel_multiinstance_loop_input.bpmn': (
        'incident',
        'any_task',
        "any_task: the collection variable 'input_data' is not set",
        'its loopDataInputRef names input data nothing sets',
    ),
    'spiffworkflow/bpmn__performance_test.bpmn': (
        'runs',
        'completed',
    ),
    'spiffworkflow/bpmn__random_fact.bpmn': (
        'refused',
        'Task_Get_Fact_From_API',
        "input parameter 'Fact.type' needs a variable name",
    ),
    'spiffworkflow/bpmn__reset_with_boundary_event.bpmn': (
        'runs',
        'waiting',
    ),
    'spiffworkflow/bpmn__resetworkflowA-sublevel.bpmn': (
        'runs',
        'waiting',
    ),
    'spiffworkflow/bpmn__resetworkflowA-toplevel.bpmn': (
        'runs',
        'waiting',
    ),
    'spiffworkflow/bpmn__resetworkflowB-sublevel.bpmn': (
        'runs',
        'waiting',
    ),
    'spiffworkflow/bpmn__resetworkflowB-toplevel.bpmn': (
        'runs',
        'waiting',
    ),
    'spiffworkflow/bpmn__return_to_event.bpmn': (
        'runs',
        'waiting',
    ),
    'spiffworkflow/bpmn__script-start.bpmn': (
        'runs',
        'waiting',
    ),
    'spiffworkflow/bpmn__sequential_multiinstance_cardinality.bpmn': (
        'runs',
        'waiting',
    ),
    'spiffworkflow/bpmn__sequential_multiinstance_loop_input.bpmn': (
        'incident',
        'any_task',
        "any_task: the collection variable 'input_data' is not set",
        'its loopDataInputRef names input data nothing sets',
    ),
    'spiffworkflow/bpmn__service_task.bpmn': (
        'refused',
        'Activity_1inxqgx',
        'only external service tasks are supported: set camunda:type="external" and a topic',
    ),
    'spiffworkflow/bpmn__single_call_activity.bpmn': (
        'incident',
        'Activity_0q1z4d4',
        "Call activity Activity_0q1z4d4: the called process 'SingleTask_Process' is not deployed",
        'calls a process that no corpus file defines',
    ),
    'spiffworkflow/bpmn__standard_loop.bpmn': (
        'incident',
        'any_task',
        "any_task: expression 'not done' failed: Line 1: NameError: name 'done' is not defined",
        'needs input variables its own test suite sets before starting',
    ),
    'spiffworkflow/bpmn__standard_loop_invalid.bpmn': (
        'refused',
        'any_task',
        'the engine refused the diagram: A loopMaximum or loopCondition must be specified for Loop Tasks',
    ),
    'spiffworkflow/bpmn__start_event_split.bpmn': (
        'deploys',
        "Process 'main' starts on a message; it cannot be started by hand on a lead",
    ),
    'spiffworkflow/bpmn__task_data_size.bpmn': (
        'runs',
        'completed',
    ),
    'spiffworkflow/bpmn__timer-cycle-start.bpmn': (
        'deploys',
        "Process 'timer' starts on a message; it cannot be started by hand on a lead",
    ),
    'spiffworkflow/bpmn__timer-cycle.bpmn': (
        'runs',
        'waiting',
    ),
    'spiffworkflow/bpmn__timer-date-start.bpmn': (
        'refused',
        'Event_0eb0w95',
        "timer timeDate: 'futuredate' is not an ISO 8601 date-time",
    ),
    'spiffworkflow/bpmn__timer-non-interrupt-boundary.bpmn': (
        'runs',
        'waiting',
    ),
    'spiffworkflow/bpmn__timer.bpmn': (
        'runs',
        'waiting',
    ),
    'spiffworkflow/bpmn__transaction.bpmn': (
        'refused',
        'Subprocess',
        'transactions (and compensation) are not supported',
    ),
    'spiffworkflow/bpmn__uncaught_escalation.bpmn': (
        'runs',
        'completed',
    ),
}
