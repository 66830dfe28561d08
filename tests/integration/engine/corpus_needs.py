"""Corpus diagrams whose call activities call a process of another corpus file: deploy that first
(SpiffWorkflow's and Camunda's own tests load those files together)."""

SPIFF = "spiffworkflow/bpmn__"
NEEDS: dict[str, tuple[str, ...]] = {
    "camunda-examples/multi-tenancy__tenant-identifier-shared-definitions__processes__default__mainProcess.bpmn":
        ("camunda-examples/multi-tenancy__tenant-identifier-shared-definitions__processes__default__"
         "subProcess.bpmn",),
    f"{SPIFF}call_activity_end_event.bpmn": (f"{SPIFF}call_activity_call_activity.bpmn",),
    f"{SPIFF}call_activity_with_error.bpmn": (f"{SPIFF}call_activity_call_activity.bpmn",),
    f"{SPIFF}call_activity_nested__call_activity_level_2.bpmn": (
        f"{SPIFF}call_activity_nested__call_activity_level_3.bpmn",
        f"{SPIFF}call_activity_nested__call_activity_level_2b.bpmn"),
    f"{SPIFF}io_spec_parent.bpmn": (f"{SPIFF}io_spec.bpmn",),
}
