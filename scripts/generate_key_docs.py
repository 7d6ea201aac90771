"""Write docs/instance-keys.md from the schema (planner.input.key_docs); --check only compares.

    python scripts/generate_key_docs.py [--check]
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from planner.input.key_docs import markdown  # noqa: E402

TARGET = ROOT / "docs" / "instance-keys.md"


def main(argv: list[str]) -> int:
    text = markdown()
    if "--check" in argv:
        if not TARGET.exists() or TARGET.read_text(encoding="utf-8") != text:
            print(f"{TARGET.relative_to(ROOT)} is out of date: run python scripts/generate_key_docs.py",
                  file=sys.stderr)
            return 1
        return 0
    TARGET.write_text(text, encoding="utf-8")
    print(f"wrote {TARGET.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
