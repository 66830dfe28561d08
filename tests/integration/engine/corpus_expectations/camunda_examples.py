"""Expectations for camunda-examples/ (the diagrams of Camunda 7's own examples)."""

CAMUNDA_EXAMPLES: dict[str, tuple] = {
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
}
