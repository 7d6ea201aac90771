#!/usr/bin/env python3
"""Refresh planner/input/catalog/carbon_intensity.csv from the tables CodeCarbon ships in its package.

    python scripts/refresh_carbon_intensity.py                      # installed codecarbon, else PyPI
    python scripts/refresh_carbon_intensity.py --wheel codecarbon-3.3.2-py3-none-any.whl
    python scripts/refresh_carbon_intensity.py --codecarbon-dir ~/src/codecarbon   # a source checkout
    python scripts/refresh_carbon_intensity.py --check              # exit 1 if the CSV would change

Country rows come from Ember's yearly electricity data (the latest year per country, mostly 2024), as
republished by the Green Web Foundation's CO2.js (data/output/average-intensities.json, which its
script pulls from Ember's API country_overview_yearly); the file of CO2.js commit 27cbe83 (Aug 2025
data) is shipped as scripts/data/ember-average-intensities.json, `--ember PATH` reads a newer one.
Ember publishes its data under CC BY 4.0 (https://ember-energy.org/data/); CO2.js labels its copy
CC BY-SA 4.0, so the generated table carries both attributions. A country Ember does not cover keeps
Our World in Data's figure through CodeCarbon (below).

Three tables are read, never typed by hand:

- country grids Ember lacks: codecarbon/data/private_infra/global_energy_mix.json, field `carbon_intensity`
  (gCO2e/kWh, the latest year per country) -- Our World in Data energy dataset
  (https://github.com/owid/energy-data, CC BY 4.0), itself built on Ember and the Energy Institute;
- cloud regions: codecarbon/data/cloud/impact.csv, column `impact` (gCO2e/kWh), the providers' own
  published region figures (GCP: https://cloud.google.com/sustainability/region-carbon);
- US states: codecarbon/data/private_infra/2023/usa_emissions.json, EPA eGRID2023 `STC2ERTA`
  (annual CO2-equivalent total output emission rate, lb/MWh, converted x 0.453592 to g/kWh).

Two corrections to what CodeCarbon ships, and one refresh:

- CodeCarbon's cloud table spells Google's Doha region `me-cenrtal1`; the key is written
  `gcp:me-central1` (KEY_FIXES);
- its US-state file carries a national total under the code `usa` as if it were a state: that row
  duplicated the country row `USA` and is left out (US_STATE_SKIP);
- Google's own yearly region figures are newer than CodeCarbon's copy: the `gcp:` rows take the grid
  carbon intensity of GoogleCloudPlatform/region-carbon-info data/yearly/<year>.csv (Apache-2.0,
  https://github.com/GoogleCloudPlatform/region-carbon-info; the same figures as
  https://cloud.google.com/sustainability/region-carbon), year 2025 by default (the newest file,
  published in 2026; `--google-year 2024` for the previous one). The two files are copied below verbatim (2024.csv at commit df92714, 2025.csv at commit 74d9bf8); a region
  missing from the chosen year keeps CodeCarbon's figure.

CodeCarbon is MIT-licensed (c) Mila, BCG Gamma, CometML, Haverford College, Code Carbon NGO. The
attribution, the CodeCarbon version and the date of extraction are written into the CSV header.
codecarbon is not a dependency of `plan`: without it installed, the script reads a source checkout
(`--codecarbon-dir`, github.com/mlco2/codecarbon: its data files are the package's) or downloads the
wheel with `pip download codecarbon --no-deps` into a temporary directory and reads the zip.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import io
import json
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

OUT = Path(__file__).resolve().parent.parent / "planner" / "input" / "catalog" / "carbon_intensity.csv"
LB_PER_MWH_TO_G_PER_KWH = 0.453592
COUNTRY = "codecarbon/data/private_infra/global_energy_mix.json"
CLOUD = "codecarbon/data/cloud/impact.csv"
US_STATES = "codecarbon/data/private_infra/2023/usa_emissions.json"
EMBER = Path(__file__).resolve().parent / "data" / "ember-average-intensities.json"
EMBER_SOURCE = ("Ember yearly electricity data {year} (CC BY 4.0) via Green Web Foundation CO2.js "
                "average-intensities.json")
EMBER_HEADER = (
    "# kind=country: Ember yearly electricity data, emissions intensity, latest year per country (CC BY 4.0,\n"
    "#   https://ember-energy.org/data/), as republished by Green Web Foundation CO2.js\n"
    "#   data/output/average-intensities.json (Apache-2.0 code; CO2.js labels the data CC BY-SA 4.0);\n"
    "#   countries Ember lacks:")
COLUMNS = ["key", "kind", "name", "country_iso", "carbon_g_per_kwh", "year", "source"]
KEY_FIXES = {"gcp:me-cenrtal1": "gcp:me-central1"}     # CodeCarbon's typo for Google's Doha region
US_STATE_SKIP = {"usa"}                                # a national row in the state file (= country USA)
GOOGLE_URL = "https://github.com/GoogleCloudPlatform/region-carbon-info/blob/main/data/yearly/{year}.csv"
GOOGLE_YEARLY = {
    2024: """Google Cloud Region,Location,Google CFE,Grid carbon intensity (gCO2eq / kWh)
africa-south1,Johannesburg,0.15,656.85
asia-east1,Taiwan,0.17,439.29
asia-east2,Hong Kong,0.01,505.02
asia-northeast1,Tokyo,0.17,452.85
asia-northeast2,Osaka,0.46,296.19
asia-northeast3,Seoul,0.37,356.57
asia-south1,Mumbai,0.09,678.76
asia-south2,Delhi,0.29,531.83
asia-southeast1,Singapore,0.04,366.85
asia-southeast2,Jakarta,0.18,560.55
australia-southeast1,Sydney,0.34,497.50
australia-southeast2,Melbourne,0.39,454.37
europe-central2,Warsaw,0.40,642.88
europe-north1,Finland,0.98,39.32
europe-north2,Stockholm,1.00,2.73
europe-southwest1,Madrid,0.87,89.04
europe-west1,Belgium,0.84,103.37
europe-west2,London,0.79,105.94
europe-west3,Frankfurt,0.68,275.82
europe-west4,Eemshaven,0.83,208.81
europe-west6,Zürich,0.98,15.05
europe-west8,Milan,0.73,201.69
europe-west9,Paris,0.96,16.30
europe-west10,Berlin,0.68,275.82
europe-west12,Turin,0.73,201.69
me-central2,Dammam,0.01,382.23
me-west1,Tel Aviv,0.07,433.75
northamerica-northeast1,Montréal,0.99,5.48
northamerica-northeast2,Toronto,0.84,58.56
northamerica-south1,Mexico,0.19,305.00
southamerica-east1,Sāo Paulo,0.88,67.32
southamerica-west1,Santiago,0.92,238.00
us-central1,Iowa,0.87,412.72
us-east1,South Carolina,0.31,575.77
us-east2,Georgia,0.42,340.42
us-east4,Northern Virginia,0.62,323.05
us-south1,Dallas,0.94,302.95
us-west1,Oregon,0.87,79.23
us-west2,Los Angeles,0.63,169.28
us-west3,Salt Lake City,0.33,555.17
us-west4,Las Vegas,0.64,357.30
""",
    2025: """Google Cloud Region,Location,Google CFE,Grid carbon intensity (gCO2eq / kWh)
africa-south1,Johannesburg,0.15,641.42
asia-east1,Taiwan,0.15,427.95
asia-east2,Hong Kong,0.02,488.52
asia-northeast1,Tokyo,0.23,449.23
asia-northeast2,Osaka,0.45,298.92
asia-northeast3,Seoul,0.37,359.05
asia-south1,Mumbai,0.2,598.45
asia-south2,Delhi,0.39,472.55
asia-southeast1,Singapore,0.05,365.66
asia-southeast2,Jakarta,0.15,587.8
asia-southeast3,Bangkok,0.19,364.68
australia-southeast1,Sydney,0.37,468.34
australia-southeast2,Melbourne,0.44,415.89
europe-central2,Warsaw,0.81,498.57
europe-north1,Finland,0.98,29.84
europe-north2,Stockholm,1,19.39
europe-southwest1,Madrid,0.87,95.75
europe-west1,Belgium,0.79,126.43
europe-west2,London,0.75,109.39
europe-west3,Frankfurt,0.7,275.81
europe-west4,Eemshaven,0.82,194.35
europe-west5,N/A,0.7,275.81
europe-west6,Zürich,0.97,21.2
europe-west8,Milan,0.79,202.03
europe-west9,Paris,0.96,15.83
europe-west10,Berlin,0.7,275.81
europe-west12,Turin,0.79,202.03
me-central1,Doha,0,370
me-central2,Dammam,0.01,381.29
me-west1,Tel Aviv,0.13,380.95
northamerica-northeast1,Montréal,0.97,11.36
northamerica-northeast2,Toronto,0.8,74.2
northamerica-south1,Mexico,0.25,293.25
southamerica-east1,Sāo Paulo,0.87,73.25
southamerica-west1,Santiago,0.9,209.94
us-central1,Iowa,0.88,431.95
us-central2,Oklahoma,0.84,417.39
us-east1,South Carolina,0.31,579.44
us-east2,Georgia,0.42,391.2
us-east4,Northern Virginia,0.57,343.48
us-east5,Columbus,0.57,343.48
us-east7,Alabama and Tennessee,0.58,339.89
us-south1,Dallas,0.83,299.13
us-west1,Oregon,0.83,97.85
us-west2,Los Angeles,0.66,149.91
us-west3,Salt Lake City,0.36,567.51
us-west4,Las Vegas,0.65,360
""",
}


def google_yearly(year: int) -> dict[str, float]:
    """Google's grid carbon intensity per region (gCO2eq/kWh) for one year."""
    rows = csv.DictReader(io.StringIO(GOOGLE_YEARLY[year]))
    return {r["Google Cloud Region"]: float(r["Grid carbon intensity (gCO2eq / kWh)"]) for r in rows}


class Source:
    """The CodeCarbon files, from an installed package or a wheel (zip)."""

    def __init__(self, version: str, read):
        self.version = version
        self.read = read  # path inside the package -> text

    @classmethod
    def installed(cls) -> Source | None:
        try:
            import importlib.metadata as md
            from importlib import resources

            version = md.version("codecarbon")
            root = resources.files("codecarbon")
        except Exception:  # noqa: BLE001 -- not installed, or broken: fall back to the wheel
            return None
        return cls(version, lambda path: root.joinpath(path.removeprefix("codecarbon/")).read_text("utf-8-sig"))

    @classmethod
    def directory(cls, root: Path) -> Source:
        """A source checkout of github.com/mlco2/codecarbon (version read from codecarbon/_version.py)."""
        version_file = root / "codecarbon" / "_version.py"
        version = "git checkout"
        if version_file.exists():
            version = version_file.read_text(encoding="utf-8").split('"')[1] + " (git checkout)"
        return cls(version, lambda inner: (root / inner).read_text(encoding="utf-8-sig"))

    @classmethod
    def wheel(cls, path: Path) -> Source:
        archive = zipfile.ZipFile(path)
        version = path.name.split("-")[1]
        return cls(version, lambda inner: archive.read(inner).decode("utf-8-sig"))

    @classmethod
    def download(cls, into: Path) -> Source:
        subprocess.run([sys.executable, "-m", "pip", "download", "codecarbon", "--no-deps", "-q",
                        "-d", str(into)], check=True)
        wheels = sorted(into.glob("codecarbon-*.whl"))
        if not wheels:
            raise SystemExit("pip download codecarbon produced no wheel")
        return cls.wheel(wheels[-1])


def ember_countries(path: Path | None) -> dict[str, dict]:
    """Ember's latest yearly intensity per ISO-3 country code (regions without a code are skipped)."""
    if path is None:
        return {}
    entries = json.loads(path.read_text(encoding="utf-8"))
    return {e["country_code"]: e for e in entries.values()
            if len(e.get("country_code") or "") == 3 and e.get("emissions_intensity_gco2_per_kwh") is not None}


def country_rows(source: Source, ember: dict[str, dict]) -> list[dict[str, str]]:
    """One row per country: Ember's figure where it has one, else OWID's through CodeCarbon."""
    out: list[dict[str, str]] = []
    mix = json.loads(source.read(COUNTRY))
    for iso in sorted(set(mix) | set(ember)):
        if iso in ember:
            e = ember[iso]
            out.append({"key": iso, "kind": "country", "name": mix.get(iso, {}).get("country_name")
                        or e["country_or_region"], "country_iso": iso,
                        "carbon_g_per_kwh": f"{float(e['emissions_intensity_gco2_per_kwh']):.1f}",
                        "year": str(e["year"]), "source": EMBER_SOURCE.format(year=e["year"])})
            continue
        value = mix[iso].get("carbon_intensity")
        if value is None:
            continue
        out.append({"key": iso, "kind": "country", "name": mix[iso].get("country_name", iso), "country_iso": iso,
                    "carbon_g_per_kwh": f"{float(value):.1f}", "year": str(mix[iso].get("year", "")),
                    "source": "Our World in Data energy dataset via CodeCarbon (CC BY 4.0)"})
    return out


def rows(source: Source, google_year: int | None = 2025, ember: dict[str, dict] | None = None,
         kept_states: list[dict[str, str]] | None = None) -> list[dict[str, str]]:
    out = country_rows(source, ember or {})
    google = google_yearly(google_year) if google_year else {}
    for record in csv.DictReader(io.StringIO(source.read(CLOUD))):
        place = ", ".join(part for part in (record.get("city"), record.get("state"), record.get("country_name"))
                          if part)
        key = KEY_FIXES.get(f"{record['provider']}:{record['region']}", f"{record['provider']}:{record['region']}")
        region = key.split(":", 1)[1]
        row = {"key": key, "kind": "cloud",
               "name": f"{record.get('providerName') or record['provider']} {region} ({place})",
               "country_iso": record.get("countryIsoCode", ""),
               "carbon_g_per_kwh": f"{float(record['impact']):.1f}", "year": "",
               "source": record.get("source") or "provider-published region figure via CodeCarbon"}
        if record["provider"] == "gcp" and region in google:
            row.update({"carbon_g_per_kwh": f"{google[region]:.1f}", "year": str(google_year),
                        "source": f"Google Cloud region carbon data {google_year} (Apache-2.0), "
                                  f"{GOOGLE_URL.format(year=google_year)}"})
        out.append(row)
    out.extend(state_rows(source, kept_states))
    return out


def state_rows(source: Source, kept: list[dict[str, str]] | None) -> list[dict[str, str]]:
    """The US states from eGRID via CodeCarbon; a source checkout without the 2023 file (the git
    repository keeps only 2016's) keeps the previous table's us-state rows, `kept`, unchanged."""
    try:
        states = json.loads(source.read(US_STATES))
    except (FileNotFoundError, KeyError):
        if kept is None:
            raise SystemExit(f"{US_STATES}: not in this CodeCarbon source, and no previous table to keep it from")
        return kept
    out: list[dict[str, str]] = []
    meta = states.get("_source", {})
    for state, entry in sorted(states.items()):
        if state.startswith("_") or entry.get("regionCode", "").lower() in US_STATE_SKIP:
            continue
        grams = float(entry["emissions"]) * LB_PER_MWH_TO_G_PER_KWH
        out.append({"key": f"US-{entry['regionCode']}", "kind": "us-state", "name": f"{state.title()}, USA",
                    "country_iso": "USA", "carbon_g_per_kwh": f"{grams:.1f}", "year": str(meta.get("year", "")),
                    "source": f"{meta.get('name', 'EPA eGRID')} via CodeCarbon"})
    return out


def _has(source: Source, inner: str) -> bool:
    try:
        source.read(inner)
    except (FileNotFoundError, KeyError):
        return False
    return True


def previous_states(text: str) -> list[dict[str, str]] | None:
    """The us-state rows of an existing table (None if it has none)."""
    body = [line for line in text.splitlines() if line and not line.startswith("#")]
    kept = [row for row in csv.DictReader(body) if row["kind"] == "us-state"]
    return kept or None


def render(source: Source, today: dt.date, google_year: int | None = 2025, ember_path: Path | None = None,
           kept_states: list[dict[str, str]] | None = None) -> str:
    buffer = io.StringIO()
    buffer.write(
        "# Grid carbon intensity, gCO2e/kWh (location-based: the average of the grid where the energy is drawn).\n"
        "# GENERATED by scripts/refresh_carbon_intensity.py -- do not edit by hand; re-run the script to refresh.\n"
        f"# Extracted {today.isoformat()} from CodeCarbon {source.version} (https://github.com/mlco2/codecarbon, MIT\n"
        "#   License, (c) Mila, BCG Gamma, CometML, Haverford College, Code Carbon NGO).\n"
        + (EMBER_HEADER if ember_path else "# kind=country:")
        + f" {COUNTRY}, field carbon_intensity\n"
        "#   -- Our World in Data, https://github.com/owid/energy-data, CC BY 4.0 (Ember, Energy Institute).\n"
        f"# kind=cloud: {CLOUD}, column impact -- the providers' published region figures; gcp: rows\n"
        f"#   from Google's own {google_year} figures, github.com/GoogleCloudPlatform/region-carbon-info\n"
        "#   (Apache-2.0); key gcp:me-cenrtal1 corrected to gcp:me-central1.\n"
        f"# kind=us-state: {US_STATES} -- US EPA eGRID2023 STC2ERTA, lb/MWh x {LB_PER_MWH_TO_G_PER_KWH};\n"
        "#   its national row (code usa) is left out: the country row USA is the US average.\n"
        + ("" if _has(source, US_STATES) else
           "#   (this CodeCarbon source lacks that file: the us-state rows are kept from the previous table)\n")
    )
    writer = csv.DictWriter(buffer, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows(source, google_year, ember_countries(ember_path), kept_states))
    return buffer.getvalue()


def _body(text: str) -> str:
    """The CSV without its `# Extracted ...` line, to compare content across dates."""
    return "\n".join(line for line in text.splitlines() if not line.startswith("# Extracted"))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--wheel", type=Path, help="read this codecarbon wheel instead of the installed package")
    parser.add_argument("--codecarbon-dir", type=Path, help="read a source checkout of github.com/mlco2/codecarbon")
    parser.add_argument("--ember", type=Path, default=EMBER,
                        help="CO2.js data/output/average-intensities.json (Ember yearly data); default: the shipped copy")
    parser.add_argument("--no-ember", action="store_true", help="countries from CodeCarbon (OWID) only")
    parser.add_argument("--output", type=Path, default=OUT)
    parser.add_argument("--check", action="store_true", help="do not write; exit 1 if the data would change")
    parser.add_argument("--google-year", type=int, default=2025, choices=sorted(GOOGLE_YEARLY),
                        help="year of Google's own region figures for the gcp: rows")
    args = parser.parse_args(argv)
    old = args.output.read_text(encoding="utf-8") if args.output.exists() else ""
    with tempfile.TemporaryDirectory() as tmp:
        source = (Source.wheel(args.wheel) if args.wheel else Source.directory(args.codecarbon_dir)
                  if args.codecarbon_dir else Source.installed() or Source.download(Path(tmp)))
        text = render(source, dt.date.today(), args.google_year, None if args.no_ember else args.ember,
                      previous_states(old) if old else None)
    if args.check:
        changed = _body(old) != _body(text)
        print(f"{args.output}: {'would change' if changed else 'up to date'} (CodeCarbon {source.version})")
        return 1 if changed else 0
    if _body(old) == _body(text):
        print(f"{args.output}: unchanged (CodeCarbon {source.version})")
        return 0
    args.output.write_text(text, encoding="utf-8")
    rows_written = sum(1 for line in text.splitlines()[1:] if line and not line.startswith("#")) - 1
    print(f"wrote {args.output}: {rows_written} rows from CodeCarbon {source.version}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
