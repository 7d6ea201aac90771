#!/usr/bin/env python3
"""Refresh planner/input/catalog/carbon_intensity.csv from the tables CodeCarbon ships in its package.

    python scripts/refresh_carbon_intensity.py                      # installed codecarbon, else PyPI
    python scripts/refresh_carbon_intensity.py --wheel codecarbon-3.3.2-py3-none-any.whl
    python scripts/refresh_carbon_intensity.py --check              # exit 1 if the CSV would change

Three tables are read, never typed by hand:

- country grids: codecarbon/data/private_infra/global_energy_mix.json, field `carbon_intensity`
  (gCO2e/kWh, the latest year per country) -- Our World in Data energy dataset
  (https://github.com/owid/energy-data, CC BY 4.0), itself built on Ember and the Energy Institute;
- cloud regions: codecarbon/data/cloud/impact.csv, column `impact` (gCO2e/kWh), the providers' own
  published region figures (GCP: https://cloud.google.com/sustainability/region-carbon);
- US states: codecarbon/data/private_infra/2023/usa_emissions.json, EPA eGRID2023 `STC2ERTA`
  (annual CO2-equivalent total output emission rate, lb/MWh, converted x 0.453592 to g/kWh).

CodeCarbon is MIT-licensed (c) Mila, BCG Gamma, CometML, Haverford College, Code Carbon NGO. The
attribution, the CodeCarbon version and the date of extraction are written into the CSV header.
codecarbon is not a dependency of `plan`: without it installed, the script downloads the wheel with
`pip download codecarbon --no-deps` into a temporary directory and reads the files from the zip.
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
COLUMNS = ["key", "kind", "name", "country_iso", "carbon_g_per_kwh", "year", "source"]


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


def rows(source: Source) -> list[dict[str, str]]:
    out: list[dict[str, str]] = []
    mix = json.loads(source.read(COUNTRY))
    for iso, entry in sorted(mix.items()):
        value = entry.get("carbon_intensity")
        if value is None:
            continue
        out.append({"key": iso, "kind": "country", "name": entry.get("country_name", iso), "country_iso": iso,
                    "carbon_g_per_kwh": f"{float(value):.1f}", "year": str(entry.get("year", "")),
                    "source": "Our World in Data energy dataset via CodeCarbon (CC BY 4.0)"})
    for record in csv.DictReader(io.StringIO(source.read(CLOUD))):
        place = ", ".join(part for part in (record.get("city"), record.get("state"), record.get("country_name"))
                          if part)
        out.append({"key": f"{record['provider']}:{record['region']}", "kind": "cloud",
                    "name": f"{record.get('providerName') or record['provider']} {record['region']} ({place})",
                    "country_iso": record.get("countryIsoCode", ""),
                    "carbon_g_per_kwh": f"{float(record['impact']):.1f}", "year": "",
                    "source": record.get("source") or "provider-published region figure via CodeCarbon"})
    states = json.loads(source.read(US_STATES))
    meta = states.get("_source", {})
    for state, entry in sorted(states.items()):
        if state.startswith("_"):
            continue
        grams = float(entry["emissions"]) * LB_PER_MWH_TO_G_PER_KWH
        out.append({"key": f"US-{entry['regionCode']}", "kind": "us-state", "name": f"{state.title()}, USA",
                    "country_iso": "USA", "carbon_g_per_kwh": f"{grams:.1f}", "year": str(meta.get("year", "")),
                    "source": f"{meta.get('name', 'EPA eGRID')} via CodeCarbon"})
    return out


def render(source: Source, today: dt.date) -> str:
    buffer = io.StringIO()
    buffer.write(
        "# Grid carbon intensity, gCO2e/kWh (location-based: the average of the grid where the energy is drawn).\n"
        "# GENERATED by scripts/refresh_carbon_intensity.py -- do not edit by hand; re-run the script to refresh.\n"
        f"# Extracted {today.isoformat()} from CodeCarbon {source.version} (https://github.com/mlco2/codecarbon, MIT\n"
        "#   License, (c) Mila, BCG Gamma, CometML, Haverford College, Code Carbon NGO).\n"
        f"# kind=country: {COUNTRY}, field carbon_intensity (latest year per\n"
        "#   country) -- Our World in Data, https://github.com/owid/energy-data, CC BY 4.0 (Ember, Energy Institute).\n"
        f"# kind=cloud: {CLOUD}, column impact -- the providers' published region figures.\n"
        f"# kind=us-state: {US_STATES} -- US EPA eGRID2023 STC2ERTA, lb/MWh x {LB_PER_MWH_TO_G_PER_KWH}.\n"
    )
    writer = csv.DictWriter(buffer, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows(source))
    return buffer.getvalue()


def _body(text: str) -> str:
    """The CSV without its `# Extracted ...` line, to compare content across dates."""
    return "\n".join(line for line in text.splitlines() if not line.startswith("# Extracted"))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--wheel", type=Path, help="read this codecarbon wheel instead of the installed package")
    parser.add_argument("--output", type=Path, default=OUT)
    parser.add_argument("--check", action="store_true", help="do not write; exit 1 if the data would change")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        source = (Source.wheel(args.wheel) if args.wheel else Source.installed() or Source.download(Path(tmp)))
        text = render(source, dt.date.today())
    old = args.output.read_text(encoding="utf-8") if args.output.exists() else ""
    if args.check:
        changed = _body(old) != _body(text)
        print(f"{args.output}: {'would change' if changed else 'up to date'} (CodeCarbon {source.version})")
        return 1 if changed else 0
    if _body(old) == _body(text):
        print(f"{args.output}: unchanged (CodeCarbon {source.version})")
        return 0
    args.output.write_text(text, encoding="utf-8")
    print(f"wrote {args.output}: {text.count(chr(10)) - 9} rows from CodeCarbon {source.version}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
