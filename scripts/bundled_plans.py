"""Record or check every bundled instance's plan and objective (the refactor guard).

    python scripts/bundled_plans.py --record   # write tests/data/bundled_plans.json
    python scripts/bundled_plans.py            # compare against it (exit 1 on a difference)

A change to the code that moves any bundled plan or objective (relative 1e-9) is either a bug or a
change to explain; tests/test_bundled_plans_unchanged.py runs the comparison in the suite.
"""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RECORD = ROOT / "tests" / "data" / "bundled_plans.json"
PLAN_FIELDS = ("model_params", "tokens", "gpu", "gpu_count", "region", "alignment")


def current() -> dict[str, dict]:
    """Each bundled instance's status, objective value and plan choices, solved now."""
    sys.path.insert(0, str(ROOT))
    from planner.input.loading import load_instance
    from planner.optimize.pipeline import solve_instance

    out = {}
    for path in sorted((ROOT / "instances").glob("*.yaml")):
        result = solve_instance(load_instance(path), explain=False)
        row = {"status": str(result.status), "objective_value": result.objective_value}
        if result.plan is not None:
            row["plan"] = {f: getattr(result.plan, f) for f in PLAN_FIELDS}
        out[path.stem] = row
    return out


def differences(before: dict, now: dict, rel: float = 1e-9) -> list[str]:
    """Each way `now` differs from `before`, one line each."""
    out = []
    for name in sorted(set(before) | set(now)):
        b, n = before.get(name), now.get(name)
        if b is None or n is None:
            out.append(f"{name}: only {'after' if b is None else 'before'}")
            continue
        for key in ("status", "objective_value", "plan"):
            x, y = b.get(key), n.get(key)
            if isinstance(x, dict) and isinstance(y, dict):
                for f in x:
                    if not _same(x[f], y.get(f), rel):
                        out.append(f"{name}: plan.{f} {x[f]!r} -> {y.get(f)!r}")
            elif not _same(x, y, rel):
                out.append(f"{name}: {key} {x!r} -> {y!r}")
    return out


def _same(x, y, rel: float) -> bool:
    if isinstance(x, float) and isinstance(y, (int, float)):
        return math.isclose(x, y, rel_tol=rel, abs_tol=0.0)
    return x == y


def main() -> int:
    now = current()
    if "--record" in sys.argv:
        RECORD.write_text(json.dumps(now, indent=1, sort_keys=True) + "\n")
        print(f"recorded {len(now)} instances in {RECORD}")
        return 0
    diff = differences(json.loads(RECORD.read_text()), now)
    print("\n".join(diff) or f"{len(now)} bundled instances: same plans and objectives")
    return 1 if diff else 0


if __name__ == "__main__":
    raise SystemExit(main())
