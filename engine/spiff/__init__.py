"""SpiffWorkflow adapter: the only package that imports SpiffWorkflow (pure library, no Flask/DB).

Modules:
* sandbox (+ sandbox_guards): RestrictedPython evaluate/execute with a time limit; Record.
* isolation (+ script_pool, script_worker, wire, bounded): scripts and unbounded Python
  expressions run in worker processes with hard time and memory limits.
* expressions (+ juel, condition_language): `${...}`/`#{...}` are JUEL, evaluated by our own
  parser and evaluator; Python only as the extension described in docs/expressions.md.
* data: json_clean / clean_mapping (task data must be JSON-clean; `typename` is reserved).
* topics: TopicSpec and STANDARD_TOPICS (external service-task topics and their parameters).
* parser: FlowdeskParser (Camunda 7 dialect + external tasks, assignment, literal timers).
* specs: ExternalServiceTask (calls the platform's handler; failures become task errors).
* validation (+ validation_rules, paths, forms): validate_bpmn collects every upload problem.
* serializer: spec stored once per version, instance state without the spec.
* hooked (+ hook_parse, listeners, io_mapping): execution/task listeners, camunda:inputOutput
  and error variables on the elements that declare them; validation_hooks checks them.
* scripting (+ javascript): Python and JavaScript (QuickJS) scripts with `execution`/`task`.
* runner (+ snapshot, script_engine): new_workflow, advance, complete_user_task, timers,
  messages, retries, task states for diagram colouring.
* starting: building a new workflow, and pending starts (a message start built by its first load).
* stepping (+ prune, scope, loops): advance runs within a budget per step and a limit per
  instance; finished work is pruned from the task tree (loops keep state and time flat);
  branches that end or join write the process scope as in Camunda.
"""
