"""Muennighoff et al. (2023) data-constrained scaling law, with both kinds of repetition.

    L(N, D, U) = E + A / N'^alpha + B / D'^beta

    D' = U_D + U_D R*_D (1 - exp(-R_D / R*_D)),  U_D = min(D, U),  R_D = max(D / U - 1, 0)
    N' = U_N + U_N R*_N (1 - exp(-R_N / R*_N)),  U_N = min(N, N*(U)), R_N = max(N / U_N - 1, 0)

N*(U) is the compute-optimal model size for U tokens under the plain law:
G = (alpha A / (beta B))^(1/(alpha+beta)), N*(D) = G (G D)^(beta/alpha) (the inverse of
D*(N) on the compute-optimal line). Parameters beyond N*(U) are "repeated" parameters and are
worth less, exactly as repeated tokens are.

The formula and the C4 constants are from the paper's repository (huggingface/datablations,
README section "Parametric Fit"), which states the constants in Hoffmann's log form:
a, b, e = 6.255414, 7.3049974, 0.6254804 (A = exp(a), ...), alpha = beta = 0.3526596,
R*_D = 15.387756, R*_N = 5.309743, and gives two check values, loss(6.34e9, 242e9, 25e9) =
2.2256440889984477 and loss(8.67e9, 178e9, 25e9) = 2.2269634075087867. Those need the exact
constants: the 4-significant-figure values (E 1.8691, A 520.82, B 1487.72, alpha 0.3527) give
2.2252 and 2.2266.

The planner's own law (planner.formulas.scaling_law) models only data repetition; with N <= N*(U) the two
agree (R_N = 0), which tests/test_fit.py checks.
"""

from __future__ import annotations

import math

from planner.input.schema import ScalingLaw

# C4 fit, Muennighoff et al. 2023, exact values from the datablations README.
MUENNIGHOFF_C4 = ScalingLaw(
    name="muennighoff2023-exact",
    E=math.exp(0.6254804),
    A=math.exp(6.255414),
    B=math.exp(7.3049974),
    alpha=0.3526596,
    beta=0.3526596,
    source="Muennighoff et al. 2023 (arXiv:2305.16264), C4 fit, huggingface/datablations README",
)
RSTAR_D = 15.387756
RSTAR_N = 5.309743


def _repeated(unique: float, repeats: float, rstar: float) -> float:
    """U + U R* (1 - exp(-R/R*)): the effective size of U unique items seen R extra times."""
    return unique + unique * rstar * (-math.expm1(-repeats / rstar))


def compute_optimal_params(law: ScalingLaw, tokens: float) -> float:
    """N*(D) = G (G D)^(beta/alpha): the model size that D tokens are compute-optimal for."""
    g = (law.alpha * law.A / (law.beta * law.B)) ** (1.0 / (law.alpha + law.beta))
    return g * (g * tokens) ** (law.beta / law.alpha)


def loss(law: ScalingLaw, params: float, tokens: float, unique_tokens: float,
         rstar_d: float = RSTAR_D, rstar_n: float = RSTAR_N) -> float:
    """Muennighoff's L(N, D, U) in nats/token (formula in the module docstring)."""
    unique_d = min(tokens, unique_tokens)
    repeats_d = max(tokens / unique_tokens - 1.0, 0.0)
    unique_n = min(params, compute_optimal_params(law, unique_tokens))
    repeats_n = max(params / unique_n - 1.0, 0.0)
    n_eff = _repeated(unique_n, repeats_n, rstar_n)
    d_eff = _repeated(unique_d, repeats_d, rstar_d)
    return law.E + law.A / n_eff**law.alpha + law.B / d_eff**law.beta
