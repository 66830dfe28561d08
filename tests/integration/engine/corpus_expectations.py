"""What each corpus diagram does here (tests/corpora/bpmn, README there): one expectation per file.

("refused", element, text): the upload answers 422 with an error on that element containing the
text (Java delegates name their class); ("runs", status): started by hand on a lead, it reaches a
wait state or its end; ("incident", element, text, why): it stops in an incident on that element
(never an engine error; `why` says what the diagram lacks); ("deploys", text): it deploys but
starts only on its message or timer, not by hand.
"""

EXPECTED: dict[str, tuple] = {
    'camunda-examples/bpmn-model-api__parse-bpmn__process.bpmn': (
        'refused',
        'serviceTask',
        'the Java expression "${execution.setVariable(\'foo\', \'bar\')}" (camunda:expression) '
        'cannot run here: use an external servi',
    ),
    'camunda-examples/clients__java__order-handling__order-handling.bpmn': (
        'refused',
        'BoundaryEvent_1y1bvad',
        'conditional boundaryEvents are not supported',
    ),
    'camunda-examples/deployment__ejb-pa-jakarta__EjbExpressionResolvingTest.testResolveBean.bpmn': (
        'refused',
        'servicetask1',
        "the Java delegateExpression '${exampleBean}' (camunda:delegateExpression) cannot run here: use an "
        'external service task ',
    ),
    'camunda-examples/deployment__embedded-spring-rest__loanApproval.bpmn': (
        'refused',
        'ServiceTask_1',
        "the Java delegateExpression '${calculateInterestService}' (camunda:delegateExpression) cannot run "
        'here: use an external ',
    ),
    'camunda-examples/deployment__servlet-pa__exampleProcess.bpmn': (
        'refused',
        'ServiceTask_1',
        "the Java class 'org.camunda.bpm.platform.example.servlet.ExampleServiceTask' (camunda:class) canno"
        't run here: use an ext',
    ),
    'camunda-examples/deployment__spring-servlet-pa-tomcat__SpringExpressionResolvingTest.testResolveBean.b'
    'pmn': (
        'refused',
        'servicetask1',
        "the Java expression '${exampleBean.invoke()}' (camunda:expression) cannot run here: use an externa"
        'l service task (camund',
    ),
    'camunda-examples/deployment__spring-servlet-pa-tomcat__SpringExpressionResolvingTest.testResolveBeanFr'
    'omJobExecutor.bpmn': (
        'refused',
        'servicetask1',
        "the Java delegateExpression '${exampleDelegateBean}' (camunda:delegateExpression) cannot run here:"
        ' use an external servi',
    ),
    'camunda-examples/deployment__spring-servlet-pa-wildfly__SpringExpressionResolvingTest.testResolveBean.'
    'bpmn': (
        'refused',
        'servicetask1',
        "the Java expression '${exampleBean.invoke()}' (camunda:expression) cannot run here: use an externa"
        'l service task (camund',
    ),
    'camunda-examples/deployment__spring-servlet-pa-wildfly__SpringExpressionResolvingTest.testResolveBeanF'
    'romJobExecutor.bpmn': (
        'refused',
        'servicetask1',
        "the Java delegateExpression '${exampleDelegateBean}' (camunda:delegateExpression) cannot run here:"
        ' use an external servi',
    ),
    'camunda-examples/migration__migrate-on-deployment__exampleProcess.bpmn': (
        'runs',
        'waiting',
    ),
    'camunda-examples/multi-tenancy__schema-isolation__processes__tenant1__tenant1_process.bpmn': (
        'runs',
        'waiting',
    ),
    'camunda-examples/multi-tenancy__schema-isolation__processes__tenant2__tenant2_process.bpmn': (
        'refused',
        'ServiceTask_0pwqvlr',
        "the Java delegateExpression '#{simpleServiceTask}' (camunda:delegateExpression) cannot run here: u"
        'se an external service',
    ),
    'camunda-examples/multi-tenancy__tenant-identifier-embedded__processes__tenant1__tenant1_process.bpmn': (
        'refused',
        'ServiceTask_0dsnjuy',
        "the Java class 'org.camunda.bpm.tutorial.multitenancy.TenantAwareServiceTask' (camunda:class) cann"
        'ot run here: use an ex',
    ),
    'camunda-examples/multi-tenancy__tenant-identifier-embedded__processes__tenant2__tenant2_process.bpmn': (
        'refused',
        'ServiceTask_0dsnjuy',
        "the Java class 'org.camunda.bpm.tutorial.multitenancy.TenantAwareServiceTask' (camunda:class) cann"
        'ot run here: use an ex',
    ),
    'camunda-examples/multi-tenancy__tenant-identifier-shared-definitions__processes__default__mainProcess.'
    'bpmn': (
        'runs',
        'waiting',
    ),
    'camunda-examples/multi-tenancy__tenant-identifier-shared-definitions__processes__default__subProcess.b'
    'pmn': (
        'runs',
        'waiting',
    ),
    'camunda-examples/multi-tenancy__tenant-identifier-shared-definitions__processes__tenant2__subProcess.b'
    'pmn': (
        'runs',
        'waiting',
    ),
    'camunda-examples/multi-tenancy__tenant-identifier-shared__processes__tenant1__tenant1_process.bpmn': (
        'refused',
        'ServiceTask_0dsnjuy',
        "the Java class 'org.camunda.bpm.tutorial.multitenancy.TenantAwareServiceTask' (camunda:class) cann"
        'ot run here: use an ex',
    ),
    'camunda-examples/multi-tenancy__tenant-identifier-shared__processes__tenant2__tenant2_process.bpmn': (
        'refused',
        'ServiceTask_0dsnjuy',
        "the Java class 'org.camunda.bpm.tutorial.multitenancy.TenantAwareServiceTask' (camunda:class) cann"
        'ot run here: use an ex',
    ),
    'camunda-examples/process-engine-plugin__bpmn-parse-listener__bpmnParseListener.bpmn': (
        'refused',
        'ServiceTask_1',
        "the Java class 'org.camunda.bpm.example.delegate.ServiceTaskOneDelegate' (camunda:class) cannot ru"
        'n here: use an externa',
    ),
    'camunda-examples/process-engine-plugin__bpmn-parse-listener__bpmnParseListenerOnUserTask.bpmn': (
        'runs',
        'waiting',
    ),
    'camunda-examples/process-engine-plugin__custom-history-level__process-history-activity.bpmn': (
        'refused',
        'ServiceTask_1',
        "the Java class 'org.camunda.bpm.example.CreateVariablesDelegate' (camunda:class) cannot run here: "
        'use an external servic',
    ),
    'camunda-examples/process-engine-plugin__custom-history-level__process-history-custom-variable.bpmn': (
        'refused',
        'ServiceTask_1',
        "the Java class 'org.camunda.bpm.example.CreateVariablesDelegate' (camunda:class) cannot run here: "
        'use an external servic',
    ),
    'camunda-examples/process-engine-plugin__custom-history-level__process-history-full.bpmn': (
        'refused',
        'ServiceTask_1',
        "the Java class 'org.camunda.bpm.example.CreateVariablesDelegate' (camunda:class) cannot run here: "
        'use an external servic',
    ),
    'camunda-examples/process-engine-plugin__custom-history-level__process-history-none.bpmn': (
        'refused',
        'ServiceTask_1',
        "the Java class 'org.camunda.bpm.example.CreateVariablesDelegate' (camunda:class) cannot run here: "
        'use an external servic',
    ),
    'camunda-examples/process-engine-plugin__custom-history-level__process.bpmn': (
        'refused',
        'ServiceTask_1',
        "the Java class 'org.camunda.bpm.example.CreateVariablesDelegate' (camunda:class) cannot run here: "
        'use an external servic',
    ),
    'camunda-examples/process-engine-plugin__failed-job-retry-profile__retry-example.bpmn': (
        'refused',
        'service-fetch-data',
        "the Java class 'org.camunda.bpm.example.delegate.ServiceTaskOneDelegate' (camunda:class) cannot ru"
        'n here: use an externa',
    ),
    'camunda-examples/process-engine-plugin__handling-jpa-variables__process.bpmn': (
        'runs',
        'waiting',
    ),
    'camunda-examples/quarkus-extension__datasource-example__bpmn__process.bpmn': (
        'refused',
        'Activity_148bip1',
        "the Java delegateExpression '${approvalServiceDelegate}' (camunda:delegateExpression) cannot run h"
        'ere: use an external s',
    ),
    'camunda-examples/quarkus-extension__spin-plugin-example__process.bpmn': (
        'refused',
        'Activity_0x1k9u4',
        "the Java delegateExpression '${storeOrderItemService}' (camunda:delegateExpression) cannot run her"
        'e: use an external ser',
    ),
    'camunda-examples/scripttask__xslt-scripttask__xslt-example.bpmn': (
        'refused',
        'StartEvent_1',
        'execution listener (end): external script resources are not supported: write the script inline',
    ),
    'camunda-examples/servicetask__rest-service__invokeRestService.bpmn': (
        'refused',
        'ServiceTask_1',
        'only external service tasks are supported: set camunda:type="external" and a topic',
    ),
    'camunda-examples/servicetask__service-invocation-asynchronous__asynchronousServiceInvocation.bpmn': (
        'refused',
        'serviceTaskActivity',
        "the Java class 'org.camunda.quickstart.servicetask.invocation.AsynchronousServiceTask' (camunda:cl"
        'ass) cannot run here: ',
    ),
    'camunda-examples/servicetask__service-invocation-synchronous__synchronousServiceInvocation.bpmn': (
        'refused',
        'ServiceTask_1',
        "the Java class 'org.camunda.quickstart.servicetask.invocation.sync.SynchronousServiceTask' (camund"
        'a:class) cannot run he',
    ),
    'camunda-examples/spin__dataformat-configuration-global__testProcess.bpmn': (
        'incident',
        'ScriptTask_1',
        "'Extract Price' (ScriptTask_1): script failed: TypeError: not a function",
        "calls Camunda Spin's S(), a Java library",
    ),
    'camunda-examples/spin__dataformat-configuration-in-process-application__testProcess.bpmn': (
        'incident',
        'ScriptTask_1',
        "'Extract Price' (ScriptTask_1): script failed: TypeError: not a function",
        "calls Camunda Spin's S(), a Java library",
    ),
    'camunda-examples/spring-boot-starter__example-simple__bpmn__sample.bpmn': (
        'refused',
        'ServiceTask_1',
        "the Java delegateExpression '${sayHelloDelegate}' (camunda:delegateExpression) cannot run here: us"
        'e an external service ',
    ),
    'camunda-examples/spring-boot-starter__example-twitter__TwitterDemoProcess.bpmn': (
        'refused',
        'service_task_send_rejection_notification',
        "the Java delegateExpression '#{emailAdapter}' (camunda:delegateExpression) cannot run here: use an"
        ' external service task',
    ),
    'camunda-examples/spring-boot-starter__example-web__bpmn__sample.bpmn': (
        'refused',
        'ServiceTask_1',
        "the Java delegateExpression '${sayHelloDelegate}' (camunda:delegateExpression) cannot run here: us"
        'e an external service ',
    ),
    'camunda-examples/spring-boot-starter__example-webapp-ee__bpmn__sample.bpmn': (
        'runs',
        'waiting',
    ),
    'camunda-examples/spring-boot-starter__example-webapp__bpmn__sample.bpmn': (
        'refused',
        'ServiceTask_1',
        "the Java delegateExpression '${sayHelloDelegate}' (camunda:delegateExpression) cannot run here: us"
        'e an external service ',
    ),
    'camunda-examples/spring-boot-starter__external-task-client__loan-granting-spring-boot-webapp__bpmn__lo'
    'an-granting.bpmn': (
        'deploys',  # its external task topics wait for workers (/engine-rest)
        "Process 'loan_process' starts on a message; it cannot be started by hand on a lead",
    ),
    'camunda-examples/startevent__message-start__instantiating_process.bpmn': (
        'refused',
        'ServiceTask_1',
        "the Java class 'org.camunda.bpm.example.event.message.InstantiateProcessByMessageDelegate' (camund"
        'a:class) cannot run he',
    ),
    'camunda-examples/startevent__message-start__message_start_process.bpmn': (
        'deploys',
        "Process 'Message_Start_Process' starts on a message; it cannot be started by hand on a lead",
    ),
    'camunda-examples/testing__assert__job-announcement-publication-process__camunda-testing-job-announceme'
    'nt-publication.bpmn': (
        'refused',
        'publish_announcement_website',
        "the Java expression '#{jobAnnouncementService.postToWebsite(jobAnnouncementId)}' (camunda:expressi"
        'on) cannot run here: u',
    ),
    'camunda-examples/testing__assert__job-announcement-publication-process__camunda-testing-job-announceme'
    'nt.bpmn': (
        'refused',
        'mail',
        "the Java expression '#{jobAnnouncementService.notifyAboutPostings(jobAnnouncementId)}' (camunda:ex"
        'pression) cannot run h',
    ),
    'camunda-examples/testing__junit5__camunda-bpm-junit-assert__testProcess.bpmn': (
        'runs',
        'waiting',
    ),
    'camunda-examples/testing__junit5__camunda-bpm-junit-use-engine__testProcess.bpmn': (
        'runs',
        'waiting',
    ),
    'camunda-examples/usertask__task-camunda-forms__invoiceApproval.bpmn': (
        'refused',
        'StartEvent_1',  # its start form and task form come as .form files beside it
        "camunda:formKey: No form file 'start-form.form' is deployed",
    ),
    'camunda-examples/usertask__task-form-embedded-bpmn-events__invoicePayment.bpmn': (
        'runs',
        'waiting',
    ),
    'camunda-examples/usertask__task-form-embedded-json-variables__process.bpmn': (
        'refused',
        'Task_0n2pfas',
        "the Java class 'org.camunda.bpm.example.JsonJavaDelegate' (camunda:class) cannot run here: use an "
        'external service task ',
    ),
    'camunda-examples/usertask__task-form-embedded-react__react-example.bpmn': (
        'runs',
        'waiting',
    ),
    'camunda-examples/usertask__task-form-embedded__loanApproval.bpmn': (
        'runs',
        'waiting',
    ),
    'camunda-examples/wildfly__jackson-annotations__waitingState.bpmn': (
        'runs',
        'waiting',
    ),
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
