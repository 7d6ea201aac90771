"""Write docs/instance-keys.md and docs/campaign-keys.md from their schemas (planner.input.key_docs,
planner.input.campaign_keys); --check only compares.

    python scripts/generate_key_docs.py [--check]
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from planner.input.campaign_keys import campaign_markdown  # noqa: E402
from planner.input.key_docs import markdown  # noqa: E402

#: generated file -> the function that writes its text
TARGETS = {ROOT / "docs" / "instance-keys.md": markdown, ROOT / "docs" / "campaign-keys.md": campaign_markdown}


def main(argv: list[str]) -> int:
    stale = 0
    for target, write in TARGETS.items():
        text = write()
        if "--check" in argv:
            if not target.exists() or target.read_text(encoding="utf-8") != text:
                print(f"{target.relative_to(ROOT)} is out of date: run python scripts/generate_key_docs.py",
                      file=sys.stderr)
                stale = 1
            continue
        target.write_text(text, encoding="utf-8")
        print(f"wrote {target.relative_to(ROOT)}")
    return stale


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
