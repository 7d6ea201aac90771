"""planner.analysis.fitting and planner.formulas.data_constrained: the estimator, its gradient, the CSV checks.

Synthetic data: L = E + A/N^alpha + B/D^beta from the epoch2024 constants, times exp(eps) with
eps ~ Normal(0, sigma) per run (multiplicative noise = additive noise on log-loss, which is what
the Huber objective sees). Tolerances are stated next to each assertion.
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest

from planner.formulas import data_constrained, scaling_law
from planner.analysis import fitting
from planner.errors import InputError
from planner.analysis.fitting import fit_law, fit_runs, huber_objective, parse_runs, read_runs, runs_from_arrays
from planner.input.schema import ScalingLaw

TRUE = ScalingLaw(name="epoch2024", E=1.8172, A=482.01, B=2085.43, alpha=0.3478, beta=0.3658)


def synthetic(n: int = 250, sigma: float = 0.01, seed: int = 0, law: ScalingLaw = TRUE) -> fitting.Runs:
    """n runs at 10 log-spaced sizes 50M-5B, 2-200 tokens per parameter, log-normal noise sigma."""
    rng = np.random.default_rng(seed)
    params = rng.choice(np.geomspace(5e7, 5e9, 10), n)
    tokens = params * np.exp(rng.uniform(math.log(2.0), math.log(200.0), n))
    clean = law.E + law.A / params**law.alpha + law.B / tokens**law.beta
    return runs_from_arrays(params, tokens, clean * np.exp(rng.normal(0.0, sigma, n)), "synthetic.csv")


# --- recovery -----------------------------------------------------------------------------------


@pytest.mark.slow
def test_noiseless_data_recovers_the_law_exactly():
    fit = fit_law(synthetic(n=60, sigma=0.0))
    # With no noise the minimum is the truth (objective 0); L-BFGS-B gets there to ~1e-6.
    assert fit.objective < 1e-12
    for name in ("E", "A", "B", "alpha", "beta"):
        assert getattr(fit, name) == pytest.approx(getattr(TRUE, name), rel=1e-4), name


@pytest.mark.slow
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_noisy_data_recovers_the_law_within_tolerances(seed):
    runs = synthetic(n=250, sigma=0.01, seed=seed)
    fit = fit_law(runs)
    # 250 runs with 1% noise. Over seeds 0-9 the largest errors were: alpha 0.034, beta 0.009,
    # E 2.8%, A a factor 1.8, B 1.17, the 70B/1.4T forecast 1.5%, D*/N* at 1e24 a factor 1.73
    # (each fit is the true minimum: its objective is below the objective at the true law).
    # The tolerances below sit just above those. A and B trade off against the exponents (log A
    # moves by ~m_N = 20 per unit of alpha), so they get a factor, not a percentage.
    assert abs(fit.alpha - TRUE.alpha) < 0.04
    assert abs(fit.beta - TRUE.beta) < 0.02
    assert fit.E == pytest.approx(TRUE.E, rel=0.04)
    assert abs(math.log(fit.A / TRUE.A)) < math.log(2.0)
    assert abs(math.log(fit.B / TRUE.B)) < math.log(1.3)
    # At every run the fitted curve is the true one to 1% (over seeds 0-9: at most 0.86%) ...
    inside = fit.predict(runs.params, runs.tokens) / (TRUE.E + TRUE.A / runs.params**TRUE.alpha
                                                       + TRUE.B / runs.tokens**TRUE.beta)
    assert np.max(np.abs(inside - 1.0)) < 0.01
    # ... and a 70B model on 1.4T tokens (14x beyond the largest run) is forecast to 2%.
    forecast = fit.predict(np.array([70e9]), np.array([1.4e12]))[0]
    assert forecast == pytest.approx(scaling_law.loss(TRUE, 70e9, 1.4e12), rel=0.02)
    # The compute-optimal ratio is the least determined number (truth 18.1 at 1e24): a factor 2.
    assert abs(math.log(fit.tokens_per_param(1e24) / TRUE_RATIO)) < math.log(2.0)


TRUE_RATIO = (lambda n_d: n_d[1] / n_d[0])(scaling_law.compute_optimal_split(TRUE, 1e24))


@pytest.mark.slow
def test_bootstrap_intervals_cover_the_truth_and_bracket_the_estimate():
    runs = synthetic(n=120, sigma=0.01, seed=3)
    report = fit_runs(runs, bootstrap=30, seed=1)
    assert report.bootstrap == 30 and report.degenerate_replicates == 0
    assert set(report.ci) == {"E", "A", "B", "alpha", "beta", "tokens_per_param"}
    for name, (low, high) in report.ci.items():
        assert low < high, name
    # One fixed draw (seed 3 data, seed 1 resampling, 30 replicates): the 95% intervals hold the true values.
    for name in ("E", "A", "B", "alpha", "beta"):
        low, high = report.ci[name]
        assert low <= getattr(TRUE, name) <= high, name
    low, high = report.ci["tokens_per_param"]
    assert low <= TRUE_RATIO <= high
    low, high = report.ci["alpha"]
    assert low <= report.fit.alpha <= high
    # Same seed, same replicates; another seed, other replicates.
    first = fitting.bootstrap_fits(runs, report.fit, 4, seed=7)
    np.testing.assert_array_equal(first, fitting.bootstrap_fits(runs, report.fit, 4, seed=7))
    assert not np.array_equal(first, fitting.bootstrap_fits(runs, report.fit, 4, seed=8))


@pytest.mark.slow
def test_screened_starts_reach_the_minimum_of_polishing_every_start():
    runs = synthetic(n=40, sigma=0.02, seed=5)
    grid = fitting.hoffmann_grid()[::25]  # 180 starts spread over the whole grid
    every = fit_law(runs, starts=grid, polish=0)
    screened = fit_law(runs, starts=grid, polish=8)
    assert every.starts_polished == len(grid) and screened.starts_polished == 8
    assert screened.objective == pytest.approx(every.objective, rel=1e-7)
    assert screened.alpha == pytest.approx(every.alpha, rel=1e-4)
    assert screened.beta == pytest.approx(every.beta, rel=1e-4)


def test_hoffmann_grid_is_the_published_grid():
    grid = fitting.hoffmann_grid()
    assert grid.shape == (4500, 5)
    assert sorted(set(grid[:, 0])) == [0, 5, 10, 15, 20, 25] == sorted(set(grid[:, 1]))
    assert sorted(set(grid[:, 2])) == [-1, -0.5, 0, 0.5, 1]
    assert sorted(set(grid[:, 3])) == [0.05, 0.5, 1, 1.5, 2] == sorted(set(grid[:, 4]))


# --- the objective --------------------------------------------------------------------------------


def test_objective_is_the_huber_sum_of_log_residuals():
    runs = synthetic(n=30, sigma=0.02, seed=4)
    theta = np.array([math.log(TRUE.A), math.log(TRUE.B), math.log(TRUE.E), TRUE.alpha, TRUE.beta])
    f, _ = huber_objective(theta, runs.params, runs.tokens, runs.loss)
    pred = TRUE.E + TRUE.A / runs.params**TRUE.alpha + TRUE.B / runs.tokens**TRUE.beta
    r = np.log(pred) - np.log(runs.loss)
    expected = sum(0.5 * x * x if abs(x) <= 1e-3 else 1e-3 * (abs(x) - 0.5e-3) for x in r)
    assert f == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize("where", ["far", "near"])
def test_gradient_matches_central_finite_differences(where):
    runs = synthetic(n=50, sigma=0.002, seed=6)  # small noise: near the optimum many |r| < delta
    if where == "near":
        theta = fit_law(runs).theta + np.array([1e-4, -2e-4, 1e-4, 1e-5, -1e-5])
    else:
        theta = np.array([4.0, 9.0, 0.3, 0.25, 0.45])
    f0, grad = huber_objective(theta, runs.params, runs.tokens, runs.loss)
    step = 1e-7
    for j in range(5):
        e = np.zeros(5)
        e[j] = step
        fp, _ = huber_objective(theta + e, runs.params, runs.tokens, runs.loss)
        fm, _ = huber_objective(theta - e, runs.params, runs.tokens, runs.loss)
        numeric = (fp - fm) / (2 * step)
        assert grad[j] == pytest.approx(numeric, rel=1e-5, abs=1e-9 * max(1.0, abs(f0))), j


def test_stacked_and_single_vector_objectives_agree_with_weights():
    runs = synthetic(n=25, sigma=0.01, seed=7)
    xn, xd, ll = np.log(runs.params) - 20, np.log(runs.tokens) - 23, np.log(runs.loss)
    weights = np.random.default_rng(0).integers(1, 4, len(runs)).astype(float)
    thetas = np.array([[1.0, 2.0, 0.5, 0.3, 0.4], [-1.0, 0.0, 0.6, 0.35, 0.37]])
    f, g = fitting._terms(thetas, xn, xd, ll, 1e-3, weights)
    for k, shift_by_e in itertools.product(range(2), (False, True)):  # both log-sum-exp shifts
        f1, g1 = fitting._scaled_terms_1(thetas[k], xn, xd, ll, 1e-3, weights, shift_by_e)
        assert f1 == pytest.approx(f[k] / 1e-3, rel=1e-12)
        np.testing.assert_allclose(g1, g[k] / 1e-3, rtol=1e-10, atol=1e-12)
    # weight k == the run repeated k times (how the bootstrap counts resampled runs)
    idx = np.repeat(np.arange(len(runs)), weights.astype(int))
    fr, gr = fitting._terms(thetas, xn[idx], xd[idx], ll[idx], 1e-3)
    np.testing.assert_allclose(fr, f, rtol=1e-12)
    np.testing.assert_allclose(gr, g, rtol=1e-10)


def test_tokens_per_param_uses_the_closed_form_and_is_flat_when_alpha_equals_beta():
    law = ScalingLaw(E=1.8, A=500.0, B=1500.0, alpha=0.35, beta=0.35)
    fit = fitting.LawFit(E=1.8, A=500.0, B=1500.0, alpha=0.35, beta=0.35, objective=0.0, n_runs=6,
                         converged=True, starts_polished=1)
    g = (0.35 * 500.0 / (0.35 * 1500.0)) ** (1 / 0.7)
    for flops in (1e20, 1e24, 1e27):
        n_opt = g * (flops / 6) ** 0.5
        assert fit.tokens_per_param(flops) == pytest.approx(flops / 6 / n_opt**2, rel=1e-12)
        assert fit.tokens_per_param(flops) == pytest.approx(1 / g**2, rel=1e-12)
    samples = np.array([[1.8, 500.0, 1500.0, 0.35, 0.35], [TRUE.E, TRUE.A, TRUE.B, TRUE.alpha, TRUE.beta]])
    vector = fitting._tokens_per_param(samples, 1e24)
    assert vector[0] == pytest.approx(fit.tokens_per_param(1e24), rel=1e-12)
    assert vector[1] == pytest.approx(TRUE_RATIO, rel=1e-12)
    assert law.alpha == law.beta


def test_percentile_interval_is_conservative_and_survives_infinity():
    values = np.arange(1.0, 201.0)
    assert fitting.percentile_interval(values, 0.95) == (5.0, 196.0)
    values[-10:] = np.inf
    low, high = fitting.percentile_interval(values, 0.95)
    assert low == 5.0 and high == math.inf


# --- options: what is left out ---------------------------------------------------------------------


def test_drop_worst_removes_a_gross_outlier_and_max_loss_removes_high_losses():
    runs = synthetic(n=40, sigma=0.005, seed=8)
    loss = runs.loss.copy()
    loss[17] *= 1.25  # a diverged run
    bad = runs_from_arrays(runs.params, runs.tokens, loss, "bad.csv")
    report = fit_runs(bad, drop_worst=1, bootstrap=0)
    assert [d.line for d in report.dropped] == [bad.lines[17]]
    assert report.dropped[0].reason == "drop-worst" and report.dropped[0].log_residual < -0.1
    assert report.fit.n_runs == 39
    assert abs(report.fit.alpha - TRUE.alpha) < 0.05

    cut = float(np.sort(runs.loss)[-5])
    report = fit_runs(runs, max_loss=cut, bootstrap=0)
    assert len(report.dropped) == 4 and all(d.loss > cut for d in report.dropped)
    assert report.fit.n_runs == 36 and report.runs.loss.max() <= cut


def test_options_that_leave_too_few_runs_name_the_option():
    runs = synthetic(n=8, sigma=0.005, seed=9)
    with pytest.raises(InputError, match="at least 6") as info:
        fit_runs(runs, drop_worst=3, bootstrap=0)
    assert info.value.field == "--drop-worst"
    with pytest.raises(InputError) as info:
        fit_runs(runs, max_loss=float(runs.loss.min()), bootstrap=0)
    assert info.value.field == "--max-loss"
    for kwargs, option in (({"drop_worst": -1}, "--drop-worst"), ({"bootstrap": -5}, "--bootstrap"),
                           ({"at_flops": 0.0}, "--at-flops"), ({"at_flops": math.nan}, "--at-flops"),
                           ({"ci_level": 1.0}, "--ci"), ({"max_loss": -1.0}, "--max-loss")):
        with pytest.raises(InputError) as info:
            fit_runs(runs, **kwargs)
        assert info.value.field == option


def test_loss_rising_with_params_is_refused_not_fitted():
    params = np.repeat(np.geomspace(1e8, 1e9, 4), 5)
    tokens = np.tile(np.geomspace(1e9, 1e11, 5), 4)
    loss = 2.0 + 1e-3 * params**0.2 + 400 / tokens**0.3
    with pytest.raises(InputError, match="fitted alpha is 0"):
        fit_runs(runs_from_arrays(params, tokens, loss, "odd.csv"), bootstrap=0)


# --- reading the CSV ------------------------------------------------------------------------------


GOOD = "params,tokens,loss\n1e8,2e9,3.1\n1e8,4e9,3.0\n4e8,8e9,2.7\n4e8,1.6e10,2.6\n1e9,2e10,2.45\n1e9,4e10,2.4\n"


def test_parse_reads_columns_in_any_order_ignores_others_and_blank_lines():
    text = ("Loss , run, Tokens,params\n3.1,a,2e9,1e8\n\n3.0,b,4e9,1e8\n2.7,c,8e9,4e8\n"
            "2.6,d,1.6e10,4e8\n2.45,e,2e10,1e9\n2.4,f,4e10,1e9\n")
    runs = parse_runs(text, "r.csv")
    assert len(runs) == 6
    assert runs.params[0] == 1e8 and runs.tokens[-1] == 4e10 and runs.loss[2] == 2.7
    assert list(runs.lines) == [2, 4, 5, 6, 7, 8]


def test_read_accepts_a_byte_order_mark(tmp_path):
    path = tmp_path / "bom.csv"
    path.write_bytes(b"\xef\xbb\xbf" + GOOD.encode())
    assert len(read_runs(path)) == 6


@pytest.mark.parametrize(
    ("text", "field", "problem"),
    [
        ("", "r.csv", "file is empty"),
        ("\n ,\n", "r.csv", "holds no values"),
        (GOOD.replace("loss", "val_loss"), "r.csv: column 'loss'", "missing; the CSV needs columns params, tokens, loss"),
        (GOOD.replace(",", ";"), "r.csv: column 'params'", "separated by ';'"),
        (GOOD.replace("params,tokens,loss", "params,tokens,loss,params"), "r.csv: column 'params'", "appears 2 times"),
        (GOOD.replace("4e8,1.6e10,2.6", "-3,1.6e10,2.6"), "r.csv line 5: params", "must be > 0, got -3"),
        (GOOD.replace("1e9,4e10,2.4", "1e9,4e10,0"), "r.csv line 7: loss", "must be > 0, got 0"),
        (GOOD.replace("4e8,8e9,2.7", "4e8,8 billion,2.7"), "r.csv line 4: tokens", "not a number: '8 billion'"),
        (GOOD.replace("1e8,4e9,3.0", "1e8,4e9,nan"), "r.csv line 3: loss", "must be a finite number, got nan"),
        (GOOD.replace("1e8,4e9,3.0", "1e8,inf,3.0"), "r.csv line 3: tokens", "must be a finite number, got inf"),
        (GOOD.replace("1e9,2e10,2.45", "1e9,,2.45"), "r.csv line 6: tokens", "missing value"),
        (GOOD.replace("1e9,2e10,2.45", "1e9"), "r.csv line 6: tokens", "missing value"),
        ("params,tokens,loss\n", "r.csv", "0 runs; at least 6"),
        ("params,tokens,loss\n1e8,2e9,3.1\n4e8,8e9,2.7\n1e9,2e10,2.45\n", "r.csv", "3 runs; at least 6"),
        ("params,tokens,loss\n" + "".join(f"1e9,{d},2.5\n" for d in (1e9, 2e9, 4e9, 8e9, 1.6e10, 3.2e10)),
         "r.csv: column 'params'", "at least 2 distinct model sizes"),
        ("params,tokens,loss\n" + "".join(f"{n},2e10,2.5\n" for n in (1e8, 2e8, 4e8, 8e8, 1.6e9, 3.2e9)),
         "r.csv: column 'tokens'", "at least 2 distinct token counts"),
    ],
)
def test_bad_csv_text_gets_one_clear_input_error(text, field, problem):
    with pytest.raises(InputError) as info:
        parse_runs(text, "r.csv")
    assert info.value.field == field
    assert problem in info.value.problem


@pytest.mark.parametrize(
    ("content", "problem"),
    [(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary content"),
     (b"params,tokens,loss\n1e8,2e9,3.1\xff\n", "not UTF-8")],
)
def test_bad_files_get_one_clear_input_error(tmp_path, content, problem):
    path = tmp_path / "runs.csv"
    path.write_bytes(content)
    with pytest.raises(InputError, match=problem):
        read_runs(path)
    with pytest.raises(InputError, match="file not found"):
        read_runs(tmp_path / "absent.csv")
    with pytest.raises(InputError, match="is a directory"):
        read_runs(tmp_path)


@pytest.mark.slow
def test_fixture_runs_fit_close_to_the_law_they_were_drawn_from(data_dir):
    """tests/data/fit_runs.csv: 36 runs, 6 sizes x 6 token ratios (5-160 tokens/param),
    epoch2024 constants, 1% log-normal noise (numpy seed 2024)."""
    runs = read_runs(data_dir / "fit_runs.csv")
    assert len(runs) == 36
    fit = fit_law(runs)
    assert abs(fit.alpha - TRUE.alpha) < 0.05 and abs(fit.beta - TRUE.beta) < 0.05
    assert fit.E == pytest.approx(TRUE.E, rel=0.05)


@pytest.fixture
def data_dir():
    from pathlib import Path

    return Path(__file__).parent / "data"


# --- Muennighoff's data-constrained law -------------------------------------------------------------


def test_muennighoff_check_values_from_the_paper_readme():
    law = data_constrained.MUENNIGHOFF_C4
    first = data_constrained.loss(law, 6.34e9, 242e9, 25e9)
    second = data_constrained.loss(law, 8.67e9, 178e9, 25e9)
    assert round(first, 4) == 2.2256 and round(second, 4) == 2.2270
    # the README prints them to full precision
    assert first == pytest.approx(2.2256440889984477, abs=1e-12)
    assert second == pytest.approx(2.2269634075087867, abs=1e-12)
    # both runs repeat parameters (N beyond N*(U)): the parameter term is what makes them differ
    assert 6.34e9 > data_constrained.compute_optimal_params(law, 25e9)


@pytest.mark.parametrize("name", ["chinchilla", "epoch2024", "muennighoff2023"])
@pytest.mark.parametrize(("params", "tokens"), [(1e8, 2e9), (7e9, 1.4e11), (7e10, 1.4e12)])
def test_muennighoff_without_repetition_is_the_planner_law(name, params, tokens):
    from planner.input import catalog

    law = ScalingLaw.model_validate(catalog.entry("scaling_laws", name))
    unique = 1e15  # far more unique data than tokens, and N*(U) far above N: no repetition at all
    assert params < data_constrained.compute_optimal_params(law, unique)
    assert data_constrained.loss(law, params, tokens, unique) == pytest.approx(
        scaling_law.loss(law, params, tokens), rel=1e-13)


def test_muennighoff_data_repetition_alone_is_the_planner_repetition_formula():
    law = data_constrained.MUENNIGHOFF_C4
    unique = 25e9
    for params, tokens in ((1e8, 100e9), (5e8, 400e9)):  # small N: below N*(U), only D repeats
        assert params < data_constrained.compute_optimal_params(law, unique)
        assert data_constrained.loss(law, params, tokens, unique) == pytest.approx(
            scaling_law.loss(law, params, tokens, unique, data_constrained.RSTAR_D), rel=1e-13)


def test_the_shift_by_e_is_used_only_where_it_cannot_overflow(monkeypatch):
    """_scaled_terms_1 shifts the log-sum-exp by e only when every centred log N and log D is
    within _E_SHIFT_SPAN (then t - e <= 700 inside the bounds). Sizes from 1e3 to 1e120 are
    beyond it: the fit must take the per-run shift, identical to the fit with the e shift off,
    and stay finite."""
    rng = np.random.default_rng(5)
    sizes_and_tokens = 10 ** np.column_stack([rng.uniform(3, 120, 40), rng.uniform(9, 12, 40)])
    law = ScalingLaw(E=1.8, A=480.0, B=2000.0, alpha=0.35, beta=0.37)
    noise = np.exp(rng.normal(0, 0.01, 40))
    runs = runs_from_arrays(*sizes_and_tokens.T, [(law.E + law.A / n**law.alpha + law.B / d**law.beta) * k
                                                  for (n, d), k in zip(sizes_and_tokens, noise)])
    params = sizes_and_tokens[:, 0]
    assert np.abs(np.log(params) - np.log(params).mean()).max() > fitting._E_SHIFT_SPAN
    on = fit_law(runs, polish=4)
    monkeypatch.setattr(fitting, "E_SHIFT", False)
    off = fit_law(runs, polish=4)
    assert (on.E, on.A, on.B, on.alpha, on.beta, on.objective) == (off.E, off.A, off.B, off.alpha, off.beta, off.objective)
    assert math.isfinite(on.objective)
