"""Random campaigns of realistic shape for benchmarks/bench_campaign.py.

`runs` runs of a model family (sizes 1B-400B, 20-40 tokens per parameter, each with 2-3 candidate
sizes; about one run in three is a post-training run after a base run), `months` months from
2027-01, `sites` catalog regions with grid limits by month (some with a seasonal dip) and a
seasonal carbon profile around the catalog value, `gpus` catalog GPU types. Each site has 2-4 of
the GPU types: owned GPUs in one or two tranches, reserved blocks (3-12 month terms) at about half
of them, on-demand at most. Deadlines are spread over the horizon so the runs compete.
"""

from __future__ import annotations

import random

GPU_TYPES = ["A100", "H100", "H200", "B200"]
REGIONS = ["us-east", "us-texas", "sweden", "norway", "france", "germany", "uk", "ireland", "finland",
           "canada", "iceland", "us"]
GPU_USD = {"A100": 1.8, "H100": 2.5, "H200": 3.5, "B200": 5.0}


def _month(t: int) -> str:
    return f"{2027 + t // 12:04d}-{t % 12 + 1:02d}"


def _sites(rng: random.Random, sites: int, months: int) -> list[dict]:
    out = []
    for i in range(sites):
        base = rng.choice([20.0, 40.0, 80.0, 150.0])
        dip = rng.random() < 0.4
        grid = [round(base * (0.6 if dip and t % 12 in (6, 7) else 1.0), 1) for t in range(months)]
        site = {"name": f"site-{i:02d}", "region": REGIONS[i % len(REGIONS)], "grid_mw": grid}
        if rng.random() < 0.5:
            level = rng.uniform(20, 450)
            site["carbon_g_per_kwh_by_calendar_month"] = [round(level * (1 + 0.4 * rng.uniform(-1, 1)), 1)
                                                          for _ in range(12)]
        out.append(site)
    return out


def _fleet(rng: random.Random, sites: list[dict], gpus: list[str], months: int) -> list[dict]:
    fleet = []
    for site in sites:
        for gpu in rng.sample(gpus, rng.randint(min(2, len(gpus)), len(gpus))):
            price = GPU_USD[gpu]
            entry = {"site": site["name"], "gpu": gpu}
            if rng.random() < 0.25:
                entry["owned"] = [{"month": _month(0), "gpus": rng.choice([512, 1024, 2048])}]
                if rng.random() < 0.5:
                    entry["owned"].append({"month": _month(rng.randrange(months)), "gpus": rng.choice([2048, 4096])})
                entry["owned_usd_per_gpu_hour"] = round(price * rng.uniform(0.5, 0.7), 2)
            if rng.random() < 0.5:
                entry["reserved"] = {"block_gpus": rng.choice([512, 1024]), "term_months": rng.choice([3, 6, 12]),
                                     "usd_per_gpu_hour": round(price * rng.uniform(0.75, 0.9), 2),
                                     "max_blocks": rng.choice([2, 4, 8])}
            if rng.random() < 0.8 or "owned" not in entry:
                entry["on_demand"] = {"usd_per_gpu_hour": round(price * rng.uniform(1.2, 1.6), 2),
                                      "gpus": rng.choice([256, 512, 1024])}
            fleet.append(entry)
    return fleet


def _runs(rng: random.Random, runs: int, months: int) -> list[dict]:
    out = []
    for j in range(runs):
        if j and rng.random() < 0.33 and "targets" in out[-1]:
            base = out[-1]
            out.append({"name": f"post-{j:02d}", "model_sizes": [base["model_sizes"][0]],
                        "alignment": {"recipes": ["SFT", "DPO"]}, "max_gpus": 1024,
                        "deadline": _month(min(months - 1, months * (j + 2) // (runs + 1))), "after": [base["name"]],
                        "staff_usd_per_month": 50_000.0})
            continue
        n = rng.choice([34e9, 70e9, 70e9, 180e9, 405e9])
        tokens = n * rng.uniform(20, 60)
        sizes = sorted({n, round(n * 1.3, -8), round(n * 0.8, -8)})
        last = max(2, (months * 2 // 3) * (j + 1) // runs)
        out.append({"name": f"run-{j:02d}", "model_sizes": sizes,
                    "targets": {"match": {"params": n, "tokens": tokens}},
                    "max_gpus": rng.choice([4096, 8192, 16384]), "deadline": _month(min(months - 1, last)),
                    "earliest_start": _month(max(0, last - rng.randint(3, 6))),
                    "staff_usd_per_month": rng.choice([1e5, 3e5])})
    return out


def random_campaign(seed: int, runs: int = 3, months: int = 24, sites: int = 6, gpus: int = 4) -> dict:
    """One random campaign (module docstring)."""
    rng = random.Random(seed)
    site_list = _sites(rng, sites, months)
    types = GPU_TYPES[:gpus]
    return {"name": f"bench-{runs}x{months}x{sites}x{gpus}-{seed}", "start_month": _month(0), "months": months,
            "objective": "cost", "gpus": types, "sites": site_list, "fleet": _fleet(rng, site_list, types, months),
            "runs": _runs(rng, runs, months)}
