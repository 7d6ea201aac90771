"""`plan evaluate FILE`: price a fixed plan (the instance's `plan:` key) with the spec's formulas."""

from __future__ import annotations

import click

from planner.errors import InputError
from planner.formulas.evaluate import evaluate_plan, find_violations
from planner.input.loading import load_instance
from planner.present.report import plan_dict, print_evaluation, to_json, violation_dict


@click.command()
@click.argument("instance_file", type=click.Path(dir_okay=False))
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
def evaluate(instance_file: str, fmt: str) -> None:
    """Price the plan fixed under `plan:` in INSTANCE_FILE; list the limits it breaks."""
    instance = load_instance(instance_file)
    if instance.plan is None:
        raise InputError("plan", "required by `plan evaluate`: {model_params, tokens, gpu, gpu_count, region"
                         "[, alignment]}")
    metrics = evaluate_plan(instance, instance.plan)
    violations = find_violations(instance, instance.plan, metrics)
    if fmt == "json":
        click.echo(to_json({"plan": plan_dict(metrics), "violations": [violation_dict(v) for v in violations]}))
    else:
        print_evaluation(metrics, violations)
