"""`plan evaluate FILE`: price a fixed plan (the instance's `plan:` key) with the formulas of README "The model".

No loss target is needed to evaluate a plan; with one, the answer says whether the plan meets it.
`--check` turns broken limits into exit code 3 (as an infeasible `plan solve`), for scripts.
"""

from __future__ import annotations

import sys

import click

from planner.cli.grammar import changes_of, output_option, set_option

from planner.cli.support import EXIT_INFEASIBLE, EXIT_OK
from planner.errors import InputError
from planner.formulas.evaluate import evaluate_plan, find_violations, target_loss
from planner.input.loading import load_instance
from planner.present.report import evaluation_dict, print_evaluation, to_json


@click.command()
@click.argument("instance_file", type=click.Path(dir_okay=False))
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
@click.option("--check", is_flag=True, help="Exit 3 when the plan breaks a limit (or misses the loss target).")
@set_option
@output_option(lambda kwargs: (kwargs["instance_file"],))
def evaluate(instance_file: str, fmt: str, check: bool, settings: tuple[str, ...]) -> None:
    """Price the plan fixed under `plan:` in INSTANCE_FILE; list the limits it breaks
    (exit 0; with --check, 3 if it breaks any)."""
    instance = load_instance(instance_file, for_solving=False, changes=changes_of(settings))
    if instance.plan is None:
        raise InputError("plan", "required by `plan evaluate`: {model_params, tokens, gpu, gpu_count, region"
                         "[, alignment]}")
    metrics = evaluate_plan(instance, instance.plan)
    violations = find_violations(instance, instance.plan, metrics)
    target = target_loss(instance)
    from planner.formulas.extrapolation import plan_warnings

    warnings = plan_warnings(instance, metrics)
    if fmt == "json":
        click.echo(to_json(evaluation_dict(metrics, violations, target, warnings)))
    else:
        print_evaluation(metrics, violations, target=target)
        for line in warnings:
            click.echo(f"warning: {line}")
    sys.exit(EXIT_INFEASIBLE if check and violations else EXIT_OK)
