"""The scenario pipeline, pure (no Django): spec -> load -> lint -> build -> run steps -> objectives -> result.

    kmslab.lab.spec        the frozen values of a scenario, ScenarioError
    kmslab.lab.load        a TOML file or stored dict -> a checked ScenarioSpec (load_spec, spec_from_dict)
    kmslab.lab.lint        each document's findings, parsed Policy and JSON (lint_documents)
    kmslab.lab.places      which scenario document stands behind which gate
    kmslab.lab.build       a simulated world from a spec and its linted documents (build_world -> Lab)
    kmslab.lab.params      a step's `@document` and `$stepN.Field` parameters
    kmslab.lab.steps       each step's call in that world and what it means (run_steps, run_step)
    kmslab.lab.objectives  what "solved" means beyond "it works"
    kmslab.lab.result      the values a run returns (RunResult, StepResult, Outcome, ...)
    kmslab.lab.run         run_scenario(spec, documents) and reference_result(spec)
"""
