"""Scaling-law arithmetic against hand values and its own inverse (no solver)."""

import math

import pytest

from planner.input import catalog
from planner.input.schema import ScalingLaw
from planner.formulas.scaling_law import compute_optimal_split, effective_tokens, loss, loss_slope, tokens_for_loss

CHINCHILLA = ScalingLaw(**catalog.entry("scaling_laws", "chinchilla"))
EPOCH = ScalingLaw(**catalog.entry("scaling_laws", "epoch2024"))


def test_chinchilla_loss_by_hand():
    # 70B on 1.4T tokens: 1.69 + 406.4/70e9^0.34 + 410.7/1.4e12^0.28
    expected = 1.69 + 406.4 / 70e9**0.34 + 410.7 / 1.4e12**0.28
    assert loss(CHINCHILLA, 70e9, 1.4e12) == pytest.approx(expected, rel=1e-15)
    assert expected == pytest.approx(1.9367, abs=1e-4)


def test_effective_tokens_repetition_by_hand():
    # U = 1e12, D = 3e12 -> R = 2, Deff = U + U*15.4*(1 - exp(-2/15.4))
    assert effective_tokens(3e12, 1e12, 15.4) == pytest.approx(1e12 * (1 + 15.4 * (1 - math.exp(-2 / 15.4))))
    assert effective_tokens(0.5e12, 1e12, 15.4) == 0.5e12
    assert effective_tokens(5e12, None, 15.4) == 5e12


@pytest.mark.parametrize("unique", [None, 1e11, 5e11, 3e12])
@pytest.mark.parametrize("params", [1e9, 7e9, 70e9])
def test_tokens_for_loss_inverts_loss(params, unique):
    for tokens in (2e10, 3e11, 2e12):
        target = loss(EPOCH, params, tokens, unique, 15.4)
        found = tokens_for_loss(EPOCH, params, target, unique, 15.4)
        assert found == pytest.approx(tokens, rel=1e-9)


def test_unreachable_targets():
    # below E + A/N^alpha no D helps
    floor = EPOCH.E + EPOCH.A / 1e9**EPOCH.alpha
    assert math.isinf(tokens_for_loss(EPOCH, 1e9, floor - 1e-6))
    # with repetition, Deff < U (1 + R*): a target needing more is unreachable
    u, rstar = 1e9, 15.4
    best = EPOCH.E + EPOCH.A / 1e11**EPOCH.alpha + EPOCH.B / (u * (1 + rstar)) ** EPOCH.beta
    assert math.isinf(tokens_for_loss(EPOCH, 1e11, best - 1e-9, u, rstar))
    assert math.isfinite(tokens_for_loss(EPOCH, 1e11, best + 1e-3, u, rstar))


def test_loss_slope_matches_finite_difference():
    for tokens, unique in ((1e11, None), (4e11, 1e11), (9e10, 1e11)):
        h = tokens * 1e-6
        fd = (loss(EPOCH, 1e9, tokens + h, unique) - loss(EPOCH, 1e9, tokens - h, unique)) / (2 * h)
        assert loss_slope(EPOCH, tokens, unique, 15.4) == pytest.approx(fd, rel=1e-5)


def test_epoch_compute_optimal_ratio_is_near_twenty():
    # Besiroglu et al. 2024: the refit implies ~20 tokens/parameter at Chinchilla scale
    n_opt, d_opt = compute_optimal_split(EPOCH, 5.76e23)
    assert 15 < d_opt / n_opt < 30
