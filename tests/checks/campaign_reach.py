"""Test helper: a campaign run's reach on one island, in plain Python with its OWN arithmetic (the
node cap and the least memory floor computed here, not taken from the model).

reach[m-1] is the most GPU-hours run j can do on island i in m contiguous months of `window`: the
largest sum of h_t node_i C_jit over m consecutive months, C_jit = max(min(nmax, island cap), 0),
none of them a month where C_jit is below the least memory floor of the run's variants on the
island's GPU type (at least one node). Each sum is a running sum from its start month, one month
at a time from 0.0, which is what models.campaign_plan.run_reaches must give to the bit.
"""

from __future__ import annotations


def reach(inputs, nmax: int, j: int, i: int, window: range, island_caps: dict) -> list[float]:
    """reach of run j on island i over `window` (module docstring); island_caps: (i, t) -> nodes."""
    isl = inputs.islands[i]
    floor = max(1, min(v.floor_nodes for v in inputs.runs[j].variants if v.gpu == isl.gpu))
    gpu_hours = []
    for t in window:
        cap = max(min(nmax, island_caps[i, t]), 0)
        gpu_hours.append(inputs.hours[t] * isl.node * cap if cap >= floor else None)
    best = [0.0] * len(gpu_hours)
    for a in range(len(gpu_hours)):
        total = 0.0
        for m in range(len(gpu_hours) - a):
            if gpu_hours[a + m] is None:
                break
            total += gpu_hours[a + m]
            best[m] = max(best[m], total)
    return best
