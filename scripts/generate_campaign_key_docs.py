"""Write docs/campaign-keys.md from the campaign schema (planner.input.campaign_schema); --check only
compares.

    python scripts/generate_campaign_key_docs.py [--check]
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from planner.input.campaign_keys import campaign_markdown  # noqa: E402

TARGET = ROOT / "docs" / "campaign-keys.md"


def main(argv: list[str]) -> int:
    text = campaign_markdown()
    if "--check" in argv:
        if not TARGET.exists() or TARGET.read_text(encoding="utf-8") != text:
            print(f"{TARGET.relative_to(ROOT)} is out of date: run python scripts/generate_campaign_key_docs.py",
                  file=sys.stderr)
            return 1
        return 0
    TARGET.write_text(text, encoding="utf-8")
    print(f"wrote {TARGET.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
