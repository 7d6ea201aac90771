"""Test helper: the optimum of a tiny campaign by exhaustive enumeration, with its OWN arithmetic.

It reads the raw campaign dict (not the validated model), and computes every number itself: tokens
by bisection on the loss, FLOPs and GPU-seconds of pretraining and each recipe stage, failures at
the scale limit, calendar hours, owned GPUs from the deliveries, block prices over their terms,
MW and CO2 per GPU-hour. Then it tries every discrete choice:

    per run: variant (size, recipe), site, first and last active month, nodes held each active month;
    per island: reserved blocks bought in each month;

keeps those that break no rule (window, precedence, memory floor and scale limit, held GPUs within
owned + reserved + on-demand, blocks held at once, grid MW), and prices the GPU-hours left open by
the discrete choice exactly: a min-cost flow (successive shortest paths, written here) of each
run's work into the months it holds nodes, at the month's free hours (owned and reserved GPUs)
first and on-demand hours beyond, each hour weighted by the objective (on-demand price, CO2 rate,
or both). Budget and carbon budget are checked on that flow, which is exact only when the limit is
on the objective's own measure (cost under cost/lateness, CO2 under co2): the generator of the
tests only combines them so.
"""

from __future__ import annotations

import calendar
import itertools
import math

HOURS_PER_YEAR = 8766.0


def month_hours(start: str, count: int) -> list[float]:
    y, m = int(start[:4]), int(start[5:7])
    out = []
    for _ in range(count):
        out.append(24.0 * calendar.monthrange(y, m)[1])
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


def month_of(start: str, label: str) -> int:
    return (int(label[:4]) - int(start[:4])) * 12 + int(label[5:7]) - int(start[5:7])


def calendar_months(start: str, count: int) -> list[int]:
    m0 = int(start[5:7]) - 1
    return [(m0 + t) % 12 for t in range(count)]


def least_tokens(law: dict, n: float, target: float) -> float:
    """Least D with E + A/N^alpha + B/D^beta <= target, by bisection on ln D."""
    def loss(d):
        return law["E"] + law["A"] / n ** law["alpha"] + law["B"] / d ** law["beta"]

    lo, hi = 0.0, 80.0
    assert loss(math.exp(hi)) <= target
    for _ in range(300):
        mid = (lo + hi) / 2
        lo, hi = (lo, mid) if loss(math.exp(mid)) <= target else (mid, hi)
    return math.exp(hi)


def variants(run: dict, gpu: dict) -> list[dict]:
    """(size, recipe) -> work GPU-hours, floor nodes, fixed USD (module docstring)."""
    rate = gpu["peak_tflops"] * 1e12 * gpu["mfu"]
    node = gpu.get("gpus_per_node", 8)
    n_max = run["max_gpus"] // node * node
    waste = 0.0
    if gpu.get("mtbf_hours"):
        rel = run.get("reliability", {})
        waste = math.sqrt(2 * rel.get("checkpoint_hours", 0.01) * n_max / gpu["mtbf_hours"]) \
            + rel.get("restart_hours", 0.1) * n_max / gpu["mtbf_hours"]
    recipes = run["alignment"]["recipes"] if "alignment" in run else [None]
    out = []
    for n in run["model_sizes"]:
        d = least_tokens(run["scaling_law"], n, run["targets"]["max_loss"]) if "targets" in run else 0.0
        floor_gpus = run.get("bytes_per_param", 16.0) * n / (gpu["memory_gb"] * 1e9)
        floor_nodes = max(1, math.ceil(floor_gpus / node - 1e-12))
        if floor_nodes * node > run["max_gpus"]:
            continue
        for recipe in recipes:
            if recipe is not None and recipe.get("quality", 0) < run["alignment"].get("min_quality", 0):
                continue
            seconds = 6.0 * n * d / rate
            fixed = 0.0
            for stage in (recipe or {}).get("stages", []):
                seconds += stage["flops_per_param_token"] * n * stage["tokens"] / (rate * stage.get("mfu_factor", 1.0))
                fixed += stage.get("samples", 0) * stage.get("usd_per_sample", 0)
            fixed += (recipe or {}).get("fixed_usd", 0.0)
            work = seconds / 3600 * (1 + waste) * run.get("development_factor", 1.0)
            out.append({"work": work, "floor": floor_nodes, "fixed": fixed, "n": n, "d": d,
                        "recipe": None if recipe is None else recipe["name"]})
    return out


def _per_month(value, count: int) -> list:
    return list(value) if isinstance(value, list) else [value] * count


def site_numbers(c: dict, gpu: dict) -> list[dict]:
    """Per site: MW per GPU held and t CO2e per GPU-hour used, per month; grid limit per month."""
    months = c["months"]
    cal = calendar_months(c["start_month"], months)
    out = []
    for site in c["sites"]:
        if "carbon_g_per_kwh_by_calendar_month" in site:
            carbon = [site["carbon_g_per_kwh_by_calendar_month"][k] for k in cal]
        else:
            carbon = _per_month(site["carbon_g_per_kwh"], months)
        kw = gpu["watts"] / 1000 * site["pue"]
        embodied = gpu.get("embodied_kg", 0.0) / (gpu.get("lifetime_years", 5.0) * HOURS_PER_YEAR) / 1000
        out.append({"mw": kw / 1000, "co2": [kw * g / 1e6 + embodied for g in carbon],
                    "grid": _per_month(site.get("grid_mw"), months)})
    return out


def island_numbers(c: dict, hours: list[float]) -> list[dict]:
    months, start = c["months"], c["start_month"]
    all_hours = month_hours(start, months + 130)
    out = []
    for entry in c["fleet"]:
        owned = [0] * months
        for delivery in entry.get("owned", []):
            for t in range(month_of(start, delivery["month"]), months):
                owned[t] += delivery["gpus"]
        od = entry.get("on_demand")
        r = entry.get("reserved")
        out.append({
            "site": [s["name"] for s in c["sites"]].index(entry["site"]), "owned": owned,
            "owned_usd": entry.get("owned_usd_per_gpu_hour", 0.0) * sum(o * h for o, h in zip(owned, hours)),
            "od": _per_month(od["gpus"], months) if od else [0] * months, "od_price": od["usd_per_gpu_hour"] if od else 0.0,
            "block": r["block_gpus"] if r else 0, "term": r["term_months"] if r else 0,
            "max_blocks": r["max_blocks"] if r else 0,
            "first_block": month_of(start, r["from_month"]) if r and r.get("from_month") else 0,
            "block_usd": [r["block_gpus"] * r["usd_per_gpu_hour"] * sum(all_hours[t0:t0 + r["term_months"]])
                          if r else 0.0 for t0 in range(months)],
        })
    return out


def min_cost_flow(supplies: list[float], arcs_run_month: dict, month_tiers: dict) -> float | None:
    """Least cost of sending supplies[j] from run j through (j, t) arcs (capacity) into months, each
    month draining to the sink over tiers [(capacity, cost per unit), ...]; None if it cannot all go.
    Successive shortest paths with Bellman-Ford on the residual graph."""
    nodes = ["S", "T"] + [("r", j) for j in range(len(supplies))] + sorted({("m", t) for _, t in arcs_run_month})
    graph: dict = {v: [] for v in nodes}

    def add(u, v, cap, cost):
        graph[u].append([v, cap, cost, len(graph[v])])
        graph[v].append([u, 0.0, -cost, len(graph[u]) - 1])

    for j, w in enumerate(supplies):
        add("S", ("r", j), w, 0.0)
    for (j, t), cap in arcs_run_month.items():
        add(("r", j), ("m", t), cap, 0.0)
    for t, tiers in month_tiers.items():
        if ("m", t) in graph:
            for cap, cost in tiers:
                add(("m", t), "T", cap, cost)
    need, total = sum(supplies), 0.0
    while need > 1e-9 * max(1.0, sum(supplies)):
        dist = {v: math.inf for v in nodes}
        prev: dict = {}
        dist["S"] = 0.0
        for _ in range(len(nodes)):
            changed = False
            for u in nodes:
                if dist[u] == math.inf:
                    continue
                for k, (v, cap, cost, _) in enumerate(graph[u]):
                    if cap > 1e-12 and dist[u] + cost < dist[v] - 1e-15:
                        dist[v], prev[v], changed = dist[u] + cost, (u, k), True
            if not changed:
                break
        if dist["T"] == math.inf:
            return None
        push, v = need, "T"
        while v != "S":
            u, k = prev[v]
            push = min(push, graph[u][k][1])
            v = u
        v = "T"
        while v != "S":
            u, k = prev[v]
            graph[u][k][1] -= push
            graph[v][graph[u][k][3]][1] += push
            v = u
        need -= push
        total += push * dist["T"]
    return total


def _schedules(c: dict, j: int, run: dict, node: int, sites: list[dict], hours: list[float]):
    """Every (variant, site, months, nodes per month) of run j that passes its own rules."""
    months = c["months"]
    first = month_of(c["start_month"], run["earliest_start"]) if run.get("earliest_start") else 0
    last = months - 1 if c.get("objective") == "lateness" else month_of(c["start_month"], run["deadline"])
    n_max = run["max_gpus"] // node
    for k, v in enumerate(c["_variants"][j]):
        for s in range(len(c["sites"])):
            for a in range(first, last + 1):
                for b in range(a, last + 1):
                    for nodes in itertools.product(range(v["floor"], n_max + 1), repeat=b - a + 1):
                        if sum(n * node * hours[a + i] for i, n in enumerate(nodes)) < v["work"] * (1 - 1e-9):
                            continue
                        held = [0] * months
                        for i, n in enumerate(nodes):
                            held[a + i] = n * node
                        yield {"k": k, "site": s, "a": a, "b": b, "held": held}


def _block_patterns(isl: dict, months: int):
    """Every list of blocks bought per start month with at most max_blocks held at once."""
    if not isl["block"]:
        yield [0] * months
        return
    starts = range(isl["first_block"], months)
    for counts in itertools.product(range(isl["max_blocks"] + 1), repeat=len(starts)):
        bought = [0] * months
        for t0, n in zip(starts, counts):
            bought[t0] = n
        held = [sum(bought[t0] for t0 in range(max(0, t - isl["term"] + 1), t + 1)) for t in range(months)]
        if max(held) <= isl["max_blocks"]:
            yield bought


def enumerate_optimum(c: dict) -> float | None:
    """The least objective over every plan of campaign dict `c` (None: no plan)."""
    gpu = c["gpus"][0]
    node = gpu.get("gpus_per_node", 8)
    months, hours = c["months"], month_hours(c["start_month"], c["months"])
    objective, price = c.get("objective", "cost"), c.get("carbon_price_usd_per_t", 0.0)
    sites, isles = site_numbers(c, gpu), island_numbers(c, hours)
    island_of_site = {isl["site"]: i for i, isl in enumerate(isles)}
    c = {**c, "_variants": [variants(r, gpu) for r in c["runs"]]}
    names = [r["name"] for r in c["runs"]]
    options = [list(_schedules(c, j, r, node, sites, hours)) for j, r in enumerate(c["runs"])]
    patterns = [list(_block_patterns(isl, months)) for isl in isles]
    limits = c.get("limits", {})
    best = None
    for combo in itertools.product(*options):
        if any(s["site"] not in island_of_site for s in combo):
            continue
        if not _order_ok(c, names, combo) or not _power_ok(c, sites, combo, months):
            continue
        fixed = sum(c["_variants"][j][s["k"]]["fixed"] + c["runs"][j].get("staff_usd_per_month", 0.0) * (s["b"] - s["a"] + 1)
                    for j, s in enumerate(combo))
        late = sum(c["runs"][j].get("late_usd_per_month", 0.0)
                   * max(0, s["b"] - max(s["a"] - 1, month_of(c["start_month"], c["runs"][j]["deadline"])))
                   for j, s in enumerate(combo)) if objective == "lateness" else 0.0
        for blocks in itertools.product(*patterns):
            value = _price(c, combo, blocks, isles, island_of_site, sites, hours, objective, price, fixed, late, limits)
            if value is not None and (best is None or value < best):
                best = value
    return best


def _order_ok(c: dict, names: list[str], combo) -> bool:
    for j, run in enumerate(c["runs"]):
        for before in run.get("after", []):
            if combo[names.index(before)]["b"] >= combo[j]["a"]:
                return False
    return True


def _power_ok(c: dict, sites: list[dict], combo, months: int) -> bool:
    for s, site in enumerate(sites):
        for t in range(months):
            if site["grid"][t] is not None:
                mw = sum(x["held"][t] for x in combo if x["site"] == s) * site["mw"]
                if mw > site["grid"][t] * (1 + 1e-9):
                    return False
    return True


def _price(c, combo, blocks, isles, island_of_site, sites, hours, objective, price, fixed, late, limits):
    months = c["months"]
    cost = sum(isl["owned_usd"] for isl in isles) + fixed
    cost += sum(b * isl["block_usd"][t0] for isl, bought in zip(isles, blocks) for t0, b in enumerate(bought))
    flow_total, flow_cost, flow_co2 = 0.0, 0.0, 0.0
    for i, isl in enumerate(isles):
        here = [(j, x) for j, x in enumerate(combo) if island_of_site[x["site"]] == i]
        if not here:
            continue
        reserved = [isl["block"] * sum(blocks[i][t0] for t0 in range(max(0, t - isl["term"] + 1), t + 1))
                    for t in range(months)]
        for t in range(months):
            if sum(x["held"][t] for _, x in here) > isl["owned"][t] + reserved[t] + isl["od"][t]:
                return None
        co2 = sites[isl["site"]]["co2"]
        weight = {"cost": lambda t: 0.0, "lateness": lambda t: 0.0, "co2": lambda t: co2[t],
                  "weighted": lambda t: price * co2[t]}[objective]
        od_weight = 0.0 if objective == "co2" else isl["od_price"]
        arcs = {(q, t): x["held"][t] * hours[t] for q, (_, x) in enumerate(here) for t in range(months) if x["held"][t]}
        tiers = {t: [((isl["owned"][t] + reserved[t]) * hours[t], weight(t)), (math.inf, weight(t) + od_weight)]
                 for t in range(months)}
        value = min_cost_flow([c["_variants"][j][x["k"]]["work"] for j, x in here], arcs, tiers)
        if value is None:
            return None
        flow_total += value
        if objective in ("cost", "lateness"):
            flow_cost += value
        elif objective == "co2":
            flow_co2 += value
    if objective in ("cost", "lateness") and limits.get("budget_usd") is not None:
        if cost + flow_cost > limits["budget_usd"] * (1 + 1e-9):
            return None
    if objective == "co2" and limits.get("max_co2_t") is not None and flow_co2 > limits["max_co2_t"] * (1 + 1e-9):
        return None
    if objective == "co2":
        return flow_total
    return cost + flow_total + late
