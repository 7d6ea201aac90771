"""The built-in catalog: complete, sourced, valid, carbon read from the bundled table; precision fp8
and mixture-of-experts in the formulas; `plan catalog`."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from cli import group
from planner.input import catalog
from planner.errors import InputError
from planner.formulas.evaluate import evaluate_plan, flop_rate, memory_floor_gpus, total_params
from planner.input.loading import instance_from_dict
from planner.input.schema import FixedPlan, Gpu, Instance, Recipe, Region, ScalingLaw

ROOT = Path(__file__).resolve().parent.parent
REQUIRED_GPUS = {"A100", "H100", "H800", "H200", "B200", "MI300X", "V100"}
GPU_NUMBERS = ("peak_tflops", "peak_fp8_tflops", "mfu", "mfu_fp8", "watts", "memory_gb", "gpus_per_node",
               "embodied_kg", "lifetime_years", "usd_per_gpu_hour", "node_watts", "energy_watts", "mfu_max_params")


def _instance(**overrides) -> Instance:
    data = {"model_sizes": [7e9], "targets": {"max_loss": 2.3}, "gpus": [{"name": "H100", "available": 64}],
            "regions": ["sweden"]}
    data.update(overrides)
    return instance_from_dict(data)


# --- the data files ------------------------------------------------------------------------------

@pytest.mark.parametrize("kind", catalog.KINDS)
def test_entry_by_entry_reading_equals_parsing_the_whole_file(kind):
    """The catalog parses only the entries an instance names (catalog._texts splits each file at
    its `- name:` lines): every entry, its name and the order equal the whole file read at once."""
    from planner.input.yaml_safe import load_text

    whole = load_text((ROOT / "planner" / "input" / "catalog" / f"{kind}.yaml").read_text())
    assert catalog.names(kind) == [entry["name"] for entry in whole]
    for entry in whole:
        values = catalog.entry(kind, entry["name"])
        expected = {k: v for k, v in entry.items() if k != "sources"}
        if kind == "regions" and "grid" in entry and "carbon_g_per_kwh" not in entry:
            expected["carbon_g_per_kwh"] = catalog.grid_intensity(entry["grid"]).carbon_g_per_kwh
        assert values == expected
        assert catalog.sources(kind, entry["name"]).items() >= entry.get("sources", {}).items()


def test_required_gpus_laws_and_recipes_are_built_in():
    assert REQUIRED_GPUS <= set(catalog.names("gpus"))
    assert {"chinchilla", "epoch2024", "muennighoff2023"} <= set(catalog.names("scaling_laws"))
    assert {"SFT", "DPO", "RLHF", "GRPO", "RLAIF"} <= set(catalog.names("recipes"))


@pytest.mark.parametrize("name", catalog.names("gpus"))
def test_gpu_entry_is_valid_and_every_number_has_a_source(name):
    values = catalog.entry("gpus", name)
    gpu = Gpu.model_validate(values)
    assert gpu.available is None, "catalog GPUs carry no availability: the instance says how many"
    sources = catalog.sources("gpus", name)
    for field in GPU_NUMBERS:
        if values.get(field) is not None:
            assert sources.get(field), f"{name}.{field} has no source"
    assert 0.15 <= gpu.mfu <= 0.5, "a realistic large-run MFU"
    if name in ("A100", "V100") or name.startswith("TPU"):   # no FP8 tensor path
        assert gpu.peak_fp8_tflops is None
    else:
        # Trainium2's documented dense peaks are 1,287 FP8 and 655 BF16 TFLOPS: 1.965x, not 2x
        assert gpu.peak_fp8_tflops == pytest.approx(2 * gpu.peak_tflops, rel=0.02 if name == "Trn2" else 0.01)
        assert gpu.mfu_fp8 is not None and 0.15 <= gpu.mfu_fp8 <= 0.5


def test_h100_and_h800_share_compute():
    h100, h800 = catalog.entry("gpus", "H100"), catalog.entry("gpus", "H800")
    for field in ("peak_tflops", "peak_fp8_tflops", "mfu", "watts", "memory_gb"):
        assert h100[field] == h800[field]
    assert h800["usd_per_gpu_hour"] == 2.0  # DeepSeek-V3 report's own assumption


@pytest.mark.parametrize("name", catalog.names("regions"))
def test_region_carbon_comes_from_the_table(name):
    raw = catalog._entries("regions")[name]
    assert "carbon_g_per_kwh" not in raw, "grid carbon intensity is read from the table, never typed"
    row = catalog.grid_intensity(raw["grid"])
    assert row is not None, f"{name}: grid key {raw['grid']} not in the table"
    region = Region.model_validate(catalog.entry("regions", name))
    assert region.carbon_g_per_kwh == row.carbon_g_per_kwh
    sources = catalog.sources("regions", name)
    assert sources.get("pue") and "carbon_intensity.csv" in sources["carbon_g_per_kwh"]
    assert 1.0 <= region.pue <= 1.7


def test_regions_include_real_cloud_regions_and_country_grids():
    kinds = {catalog.grid_intensity(catalog.entry("regions", n)["grid"]).kind for n in catalog.names("regions")}
    assert {"country", "cloud", "us-state"} <= kinds
    # the names other instances rely on stay
    assert {"us-east", "sweden", "france", "germany"} <= set(catalog.names("regions"))


@pytest.mark.parametrize("name", catalog.names("scaling_laws"))
def test_law_entry_is_valid_and_sourced(name):
    law = ScalingLaw.model_validate(catalog.entry("scaling_laws", name))
    assert law.source and "arXiv" in law.source
    assert catalog.sources("scaling_laws", name).get("constants")


def test_law_constants_are_the_papers():
    c, e, m = (catalog.entry("scaling_laws", n) for n in ("chinchilla", "epoch2024", "muennighoff2023"))
    assert (c["E"], c["A"], c["B"], c["alpha"], c["beta"]) == (1.69, 406.4, 410.7, 0.34, 0.28)
    assert (e["E"], e["A"], e["B"], e["alpha"], e["beta"]) == (1.8172, 482.01, 2085.43, 0.3478, 0.3658)
    assert (m["E"], m["A"], m["B"], m["alpha"], m["beta"]) == (1.8691, 520.82, 1487.72, 0.3527, 0.3527)


@pytest.mark.parametrize("name", catalog.names("recipes"))
def test_recipe_entry_is_valid_and_sourced(name):
    recipe = Recipe.model_validate(catalog.entry("recipes", name))
    sources = catalog.sources("recipes", name)
    needed = ["quality"]
    if any(s.tokens is not None for s in recipe.stages):
        needed += ["tokens", "flops_per_param_token", "mfu_factor"]
    if any(s.rl is not None for s in recipe.stages):
        needed.append("rl")
    if any(s.share_of_pretraining is not None for s in recipe.stages):
        needed += ["share_of_pretraining", "mfu_factor"]
    for field in needed:
        assert sources.get(field), f"{name}.{field} has no source"
    if any(s.samples for s in recipe.stages):
        assert sources.get("samples") and sources.get("usd_per_sample")
    if recipe.fixed_usd:
        assert sources.get("fixed_usd")


def _rl_gpu_hours(rl: dict, params: float, gpu: dict) -> float:
    """An rl: stage's GPU-hours at BF16, by hand: P G S samples; decode 2 L_r per parameter at
    rollout_mfu x share of the peak; learner k (L_p + L_r) + prefill 2 L_p at the training rate."""
    samples = rl["prompts_per_step"] * rl["samples_per_prompt"] * rl["steps"]
    share = rl.get("generation_share", 1.0)
    peak = gpu["peak_tflops"] * 1e12
    rate = peak * gpu["mfu"] * (params / gpu["mfu_ref_params"]) ** gpu["mfu_size_exponent"]
    prompt, response = rl.get("prompt_tokens", 0), rl["response_tokens"]
    learner = (rl.get("learner_flops_per_param_token", 8) * (prompt + response) + 2 * prompt
               + 2 * rl.get("reward_model_params_ratio", 0) * (prompt + response)) * params * samples
    decode = 2 * response * params * samples
    learners = 1.0 - share if share < 1 else 1.0
    return (learner / (rate * learners) + decode / (peak * rl["rollout_mfu"] * share)) / 3600


def test_recipe_ratios_at_todays_scale():
    """SFT < DPO < RLHF < R1 in GPU time on a 37B model; the R1 recipe's RL on DeepSeek-V3 (37B active,
    H800, BF16) is DeepSeek-R1's R1-Zero + R1 RL, 101K + 41K GPU-hours (recipes.yaml header)."""
    h800 = catalog.entry("gpus", "H800")

    def hours(name):
        total = 0.0
        for s in catalog.entry("recipes", name)["stages"]:
            if "rl" in s:
                total += _rl_gpu_hours(s["rl"], 37e9, h800)
            elif "tokens" in s:
                rate = h800["peak_tflops"] * 1e12 * h800["mfu"] * 0.37 ** h800["mfu_size_exponent"]
                total += s["flops_per_param_token"] * 37e9 * s["tokens"] / (rate * s["mfu_factor"]) / 3600
        return total
    sft, dpo, rlhf, grpo, r1 = (hours(n) for n in ("SFT", "DPO", "RLHF", "GRPO", "R1-Reasoning"))
    assert sft < dpo < rlhf < r1 and sft < grpo < r1
    assert r1 / rlhf > 10                      # reasoning RL is another scale than instruct tuning
    rlaif = catalog.entry("recipes", "RLAIF")["stages"]
    assert max(s.get("usd_per_sample", 0) for s in rlaif[1:]) <= 0.01  # an LLM judge at API prices
    rl = catalog.entry("recipes", "R1-Reasoning")["stages"][1]["rl"]
    assert _rl_gpu_hours(rl, 37e9, h800) == pytest.approx(101_376 + 40_960, rel=0.03)
    assert catalog.entry("recipes", "RLHF")["stages"][1]["samples"] == 1418091  # Llama 2 Table 6
    assert catalog.entry("recipes", "SFT")["stages"][0]["samples"] == 939344    # Tulu 3's SFT mix

def test_every_assumption_is_labelled():
    """Numbers without a public source say so: each source text either names a source or says
    'assumption'; an unsourced number would have no text at all (checked above)."""
    for kind in catalog.KINDS:
        for name in catalog.names(kind):
            for field, text in catalog.sources(kind, name).items():
                assert len(text) > 10, f"{kind} {name}.{field}: '{text}'"


# --- the carbon table ------------------------------------------------------------------------------

def test_carbon_table_keeps_attribution_and_date():
    text = (ROOT / "planner" / "input" / "catalog" / "carbon_intensity.csv").read_text(encoding="utf-8")
    header = "\n".join(line for line in text.splitlines() if line.startswith("#"))
    for needle in ("CodeCarbon", "MIT", "Our World in Data", "CC BY 4.0", "eGRID", "Extracted 20",
                   "refresh_carbon_intensity.py"):
        assert needle in header
    assert catalog.table_provenance().startswith("Extracted 20")


def test_carbon_table_values():
    keys = catalog.grid_keys()
    assert len(keys) == len(set(keys)) > 200
    assert all(0 <= catalog.grid_intensity(k).carbon_g_per_kwh < 1500 for k in keys)
    sweden, germany, usa = (catalog.grid_intensity(k).carbon_g_per_kwh for k in ("SWE", "DEU", "USA"))
    assert sweden < 100 < germany and 250 < usa < 500
    assert catalog.grid_intensity("gcp:europe-north1").kind == "cloud"
    assert catalog.grid_intensity("US-VA").kind == "us-state"
    # corrections to CodeCarbon's data (scripts/refresh_carbon_intensity.py): the Doha key's typo, the
    # national row that sat among the US states, Google's own 2024 region figures
    assert catalog.grid_intensity("gcp:me-central1") is not None and catalog.grid_intensity("gcp:me-cenrtal1") is None
    assert not any(k.lower() == "us-usa" for k in keys)
    assert catalog.grid_intensity("gcp:us-central1").year == "2025"   # Google's newest yearly file
    # countries: Ember's yearly data (via CO2.js), each row with its year and source
    for key in ("SWE", "NOR", "FRA", "DEU", "USA", "CHN", "GBR", "IND", "IRL", "FIN", "CAN"):
        row = catalog.grid_intensity(key)
        assert row.year == "2024" and row.source.startswith("Ember yearly electricity data 2024"), key


def test_carbon_table_is_the_shipped_ember_file():
    """Every country row that cites Ember holds the value (to 0.1) and year of the shipped file."""
    ember = json.loads((ROOT / "scripts" / "data" / "ember-average-intensities.json").read_text(encoding="utf-8"))
    by_code = {e["country_code"]: e for e in ember.values() if len(e["country_code"]) == 3}
    cited = [k for k in catalog.grid_keys() if catalog.grid_intensity(k).source.startswith("Ember")]
    assert len(cited) > 150
    for key in cited:
        row = catalog.grid_intensity(key)
        assert row.carbon_g_per_kwh == pytest.approx(by_code[key]["emissions_intensity_gco2_per_kwh"], abs=0.051)
        assert row.year == str(by_code[key]["year"])
    assert by_code["SWE"]["emissions_intensity_gco2_per_kwh"] == 35.89   # the file, read by eye


def test_refresh_script_reads_codecarbon_files(tmp_path):
    """The script turns CodeCarbon's three files into the CSV (a fake wheel, no network)."""
    refresh = _refresh_module()
    wheel = tmp_path / "codecarbon-9.9.9-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as archive:
        archive.writestr(refresh.COUNTRY, json.dumps(
            {"SWE": {"country_name": "Sweden", "carbon_intensity": 40.695, "year": 2023},
             "XXX": {"country_name": "Nowhere", "year": 2023}}))
        archive.writestr(refresh.CLOUD, "\ufeffprovider,providerName,region,country_name,countryIsoCode,state,"
                         "city,impact,source\ngcp,Google Cloud Platform,europe-north1,Finland,FIN,,Hamina,46,"
                         "https://cloud.google.com/sustainability/region-carbon\n"
                         "gcp,Google Cloud Platform,me-cenrtal1,Qatar,QAT,,Doha,575,x\n")
        archive.writestr(refresh.US_STATES, json.dumps(
            {"_source": {"name": "EPA eGRID2023", "year": 2023}, "virginia": {"emissions": 100.0, "regionCode": "VA"},
             "usa": {"emissions": 800.0, "regionCode": "usa"}}))
    out = tmp_path / "table.csv"
    options = ["--wheel", str(wheel), "--output", str(out), "--no-ember", "--google-year", "2024"]
    assert refresh.main(options) == 0
    text = out.read_text(encoding="utf-8")
    assert "CodeCarbon 9.9.9" in text and "CC BY 4.0" in text
    rows = [line for line in text.splitlines() if not line.startswith("#")]
    assert rows[0] == "key,kind,name,country_iso,carbon_g_per_kwh,year,source"
    assert rows[1].startswith("SWE,country,Sweden,SWE,40.7,2023,")   # --no-ember: OWID via CodeCarbon
    # Google's own 2024 figure replaces CodeCarbon's copy (GoogleCloudPlatform/region-carbon-info 2024.csv)
    assert any(r.startswith("gcp:europe-north1,cloud,") and ",39.3,2024," in r for r in rows)
    assert any(r.startswith("gcp:me-central1,cloud,") and ",575.0," in r for r in rows)  # typo fixed
    assert any(r.startswith("US-VA,us-state,") and ",45.4,2023," in r for r in rows)  # 100 lb/MWh
    assert not any(r.lower().startswith("us-usa") for r in rows)  # the national row is the country USA
    assert len(rows) == 5  # the country without a value is left out
    assert refresh.main([*options, "--check"]) == 0


def _refresh_module():
    import importlib.util

    spec = importlib.util.spec_from_file_location("refresh", ROOT / "scripts" / "refresh_carbon_intensity.py")
    refresh = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(refresh)
    return refresh


def test_refresh_script_takes_countries_from_ember_and_keeps_states_from_a_checkout(tmp_path):
    """Ember's figure replaces OWID's where Ember has the country; OWID stays where it has not; a
    CodeCarbon source checkout without the eGRID2023 file keeps the previous table's us-state rows."""
    refresh = _refresh_module()
    root = tmp_path / "codecarbon"
    for inner, text in (
        (refresh.COUNTRY, json.dumps({"SWE": {"country_name": "Sweden", "carbon_intensity": 40.695, "year": 2023},
                                      "ABW": {"country_name": "Aruba", "carbon_intensity": 561.2, "year": 2022}})),
        (refresh.CLOUD, ("provider,providerName,region,country_name,countryIsoCode,state,city,impact,source\n"
                         "gcp,Google Cloud Platform,us-central1,USA,USA,Iowa,Council Bluffs,400,x\n"))):
        (root / inner).parent.mkdir(parents=True, exist_ok=True)
        (root / inner).write_text(text, encoding="utf-8")
    ember = tmp_path / "ember.json"
    ember.write_text(json.dumps({
        "SWE": {"country_code": "SWE", "country_or_region": "Sweden", "year": 2024, "emissions_intensity_gco2_per_kwh": 35.89},
        "NOR": {"country_code": "NOR", "country_or_region": "Norway", "year": 2024, "emissions_intensity_gco2_per_kwh": 30.75},
        "EU": {"country_code": "", "country_or_region": "EU", "year": 2024, "emissions_intensity_gco2_per_kwh": 213.0}}))
    out = tmp_path / "table.csv"
    out.write_text("# old\nkey,kind,name,country_iso,carbon_g_per_kwh,year,source\n"
                   "US-VA,us-state,\"Virginia, USA\",USA,244.8,2023,EPA eGRID2023 via CodeCarbon\n", encoding="utf-8")
    assert refresh.main(["--codecarbon-dir", str(root), "--ember", str(ember), "--output", str(out)]) == 0
    text = out.read_text(encoding="utf-8")
    rows = [line for line in text.splitlines() if not line.startswith("#")]
    assert rows[1].startswith("ABW,country,Aruba,ABW,561.2,2022,Our World in Data")      # Ember lacks Aruba
    assert rows[2].startswith("NOR,country,Norway,NOR,30.8,2024,Ember yearly electricity data 2024")  # 30.75 -> 30.8
    assert rows[3].startswith("SWE,country,Sweden,SWE,35.9,2024,Ember yearly electricity data 2024")  # not OWID's 40.7
    assert not any(r.startswith("EU,") for r in rows)                  # an aggregate without an ISO code
    assert any(r.startswith("gcp:us-central1,cloud,") and ",431.9,2025," in r for r in rows)  # Google 2025: 431.95
    assert rows[-1].startswith("US-VA,us-state,") and ",244.8,2023," in rows[-1]           # kept from the old table
    assert "us-state rows are kept from the previous table" in text and "Ember" in text and "CC BY 4.0" in text
    assert len(rows) == 6


# --- regions in an instance ----------------------------------------------------------------------

def test_instance_adds_a_region_by_grid_key():
    instance = _instance(regions=[{"name": "my-dc", "grid": "NOR", "pue": 1.2}])
    assert instance.regions[0].carbon_g_per_kwh == catalog.grid_intensity("NOR").carbon_g_per_kwh
    assert instance.regions[0].grid == "NOR"


def test_instance_overrides_a_catalog_region():
    typed = _instance(regions=[{"name": "sweden", "carbon_g_per_kwh": 13}]).regions[0]
    assert typed.carbon_g_per_kwh == 13 and typed.grid is None and typed.pue == 1.10
    regrid = _instance(regions=[{"name": "sweden", "grid": "FIN"}]).regions[0]
    assert regrid.carbon_g_per_kwh == catalog.grid_intensity("FIN").carbon_g_per_kwh


def test_unknown_grid_key_is_one_clear_error():
    with pytest.raises(InputError) as err:
        _instance(regions=[{"name": "my-dc", "grid": "SWF"}])
    assert err.value.field == "regions[0].grid"
    assert "SWE" in err.value.problem


# --- precision and mixture-of-experts --------------------------------------------------------------

def test_fp8_uses_the_fp8_peak_and_its_mfu():
    bf16, fp8 = _instance(), _instance(precision="fp8")
    h100 = bf16.gpus[0]
    # the catalog's calibrated H100 (gpus.yaml, scripts/calibrate_throughput.py): mfu(N) of section 6.1
    size = (7e9 / 1e11) ** 0.1452
    assert flop_rate(bf16, h100, 7e9) == pytest.approx(989e12 * 0.3176 * size)
    assert flop_rate(fp8, fp8.gpus[0], 7e9) == pytest.approx(1979e12 * 0.2223 * size)
    # FP8 end to end: 1979 x 0.2223 / (989 x 0.3176) = 1.40x BF16, inside the measured 1.2-1.6x
    assert 1.2 <= flop_rate(fp8, fp8.gpus[0], 7e9) / flop_rate(bf16, h100, 7e9) <= 1.6
    inline = _instance(precision="fp8", gpus=[{"name": "X", "peak_tflops": 100, "mfu": 0.5, "watts": 500,
                                               "memory_gb": 80, "peak_fp8_tflops": 200, "usd_per_gpu_hour": 1,
                                               "available": 8}])
    assert flop_rate(inline, inline.gpus[0], 7e9) == pytest.approx(200e12 * 0.5)  # no mfu_fp8: mfu


def test_fp8_without_an_fp8_peak_is_one_clear_error():
    with pytest.raises(InputError) as err:
        _instance(precision="fp8", gpus=[{"name": "H100", "available": 8}, {"name": "A100", "available": 8}])
    assert err.value.field == "gpus[1].peak_fp8_tflops"
    assert "fp8" in err.value.problem


def test_moe_compute_at_active_memory_at_total_by_hand():
    instance = _instance(moe={"total_params_per_active": 10.0, "mfu_factor": 0.5},
                         gpus=[{"name": "H100", "available": 64, "embodied_kg": 0}])
    assert total_params(instance, 7e9) == 70e9
    assert memory_floor_gpus(instance, 7e9, 80) == pytest.approx(16 * 70e9 / 80e9)  # 14 GPUs, not 1.4
    metrics = evaluate_plan(instance, FixedPlan(model_params=7e9, tokens=1e12, gpu="H100", gpu_count=64,
                                                region="sweden"))
    # the catalog's calibrated H100: mfu(7e9) (6.1) and waste(64) with its mtbf_hours (6.2)
    mfu = 0.3176 * (7e9 / 1e11) ** 0.1452
    waste = (2 * 0.01 * 64 / 50600) ** 0.5 + 0.1 * 64 / 50600
    seconds = 6 * 7e9 * 1e12 / (989e12 * mfu * 0.5) * (1 + waste)
    assert metrics.flops.total == 6 * 7e9 * 1e12          # compute from the active parameters
    assert metrics.gpu_hours == pytest.approx(seconds / 3600)
    dense = evaluate_plan(_instance(), FixedPlan(model_params=7e9, tokens=1e12, gpu="H100", gpu_count=64,
                                                 region="sweden"))
    assert metrics.loss == dense.loss                      # the law at the active parameters


def test_moe_memory_floor_rules_out_small_clusters_in_the_solver():
    from planner.optimize.derive import derive

    moe = _instance(moe={"total_params_per_active": 20.0}, gpus=[{"name": "H100", "available": 16}])
    assert len(derive(moe)) == 0                         # 16 x 7e9 x 20 / 80e9 = 28 GPUs > 16
    assert any("28 GPUs" in line for line in derive(moe).ruled_out)
    assert len(derive(_instance(gpus=[{"name": "H100", "available": 16}]))) > 0


def test_moe_fp8_solver_equals_evaluator():
    from planner.optimize.pipeline import solve_instance

    instance = _instance(
        model_sizes=[4e9, 7e9, 13e9], precision="fp8", moe={"total_params_per_active": 8.0, "mfu_factor": 0.6},
        gpus=[{"name": "H800", "available": 256}, {"name": "H100", "available": 512}],
        regions=[{"name": "china", "offers": {"H800": {"usd_per_gpu_hour": 2.0, "available": 256}}},
                 {"name": "sweden", "offers": {"H100": {"usd_per_gpu_hour": 2.6, "available": 512}}}],
        limits={"deadline_days": 30})
    result = solve_instance(instance)
    assert result.status == "optimal"
    metrics = evaluate_plan(instance, result.plan)
    assert result.model_objective == pytest.approx(metrics.cost_usd.total, rel=1e-6)
    assert metrics.flops.pretraining == 6 * result.plan.model_params * result.plan.tokens


# --- plan catalog --------------------------------------------------------------------------------

@pytest.mark.parametrize("kind", ["gpus", "regions", "laws", "recipes", "grids"])
def test_plan_catalog_table(kind):
    result = CliRunner().invoke(group, ["catalog", kind], terminal_width=200)
    assert result.exit_code == 0, result.output
    if kind != "grids":
        assert "Sources" in result.output


def test_plan_catalog_json_has_every_entry_with_sources():
    result = CliRunner().invoke(group, ["catalog", "--format", "json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert set(data) == {"carbon_table", "gpus", "regions", "laws", "recipes"}
    assert {g["name"] for g in data["gpus"]} >= REQUIRED_GPUS
    for kind in ("gpus", "regions", "laws", "recipes"):
        assert all(entry["sources"] for entry in data[kind])
    sweden = next(r for r in data["regions"] if r["name"] == "sweden")
    assert sweden["carbon_g_per_kwh"] == catalog.grid_intensity("SWE").carbon_g_per_kwh


def test_plan_catalog_grids_match():
    result = CliRunner().invoke(group, ["catalog", "grids", "--match", "europe-north", "--format", "json"])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.output)["grids"]
    assert [r["key"] for r in rows] == ["gcp:europe-north1"]


def test_plan_catalog_unknown_kind_exits_2():
    result = CliRunner().invoke(group, ["catalog", "tpus"])
    assert result.exit_code == 2
