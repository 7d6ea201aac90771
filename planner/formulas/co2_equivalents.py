"""CO2e in equivalents a sustainability reader knows: transatlantic round-trip flights (one
passenger) and passenger cars' lifetime emissions.

    flights = co2_t / FLIGHT_ROUND_TRIP_T        cars = co2_t / CAR_LIFETIME_T

FLIGHT_ROUND_TRIP_T = 0.67 t CO2 for one economy passenger, London - New York and back (about
2 x 5,560 km), the figure of the ICAO Carbon Emissions Calculator (icao.int, "ICAO Carbon Emissions
Calculator Methodology": the route's fuel burn by aircraft type, shared among passengers by load
factor and cabin class, 3.16 kg CO2 per kg of jet fuel). It counts the CO2 of the fuel only, not
the other warming effects of flying at altitude (contrails, NOx) that calculators such as
myclimate add (they give two to three times as much), so the flight count here is the highest of
the published ones.

CAR_LIFETIME_T = 57.2 t CO2e: an average American car over its lifetime, fuel included (126,000 lb
CO2e), the figure Strubell, Ganesh and McCallum set beside model training in "Energy and Policy
Considerations for Deep Learning in NLP" (ACL 2019, Table 1; arXiv:1906.02243).

The plan's CO2e (operational + embodied, location-based) is divided by each factor: the page and
`plan solve`'s table both use this module.
"""

from __future__ import annotations

from dataclasses import dataclass

LB_PER_T = 2204.62262  # pounds per tonne (1 lb = 0.45359237 kg, exact)

#: t CO2 per passenger, economy, LHR-JFK round trip (ICAO Carbon Emissions Calculator; module docstring)
FLIGHT_ROUND_TRIP_T = 0.67
#: t CO2e over an average American car's lifetime, fuel included: 126,000 lb (Strubell et al. 2019, Table 1)
CAR_LIFETIME_T = 126_000 / LB_PER_T


@dataclass(frozen=True)
class Equivalent:
    """One equivalent: how many of `thing` emit the plan's CO2e, with the factor and its source."""

    thing: str          # "transatlantic round-trip flights (one passenger, economy)"
    count: float        # co2_t / factor_t
    factor_t: float     # t CO2e per thing
    source: str


FLIGHT_SOURCE = ("ICAO Carbon Emissions Calculator: 0.67 t CO2 per economy passenger, London-New York "
                 "and back (fuel CO2 only)")
CAR_SOURCE = ("Strubell et al., ACL 2019, Table 1: 126,000 lb (57.2 t) CO2e per average American car's "
              "lifetime, fuel included")


def flights(co2_t: float) -> float:
    """Transatlantic round-trip flights (one economy passenger) that emit `co2_t` tonnes."""
    return co2_t / FLIGHT_ROUND_TRIP_T


def cars(co2_t: float) -> float:
    """Average cars' lifetime emissions (fuel included) that add up to `co2_t` tonnes."""
    return co2_t / CAR_LIFETIME_T


def equivalents(co2_t: float) -> list[Equivalent]:
    """Both equivalents of `co2_t` tonnes CO2e, flights first."""
    return [
        Equivalent("transatlantic round-trip flights (one passenger, economy)", flights(co2_t),
                   FLIGHT_ROUND_TRIP_T, FLIGHT_SOURCE),
        Equivalent("cars' lifetime emissions (average car, fuel included)", cars(co2_t), CAR_LIFETIME_T,
                   CAR_SOURCE),
    ]


__all__ = ["FLIGHT_ROUND_TRIP_T", "CAR_LIFETIME_T", "Equivalent", "flights", "cars", "equivalents"]
