"""First-start housekeeping for `make run`: sweep temp files a killed writer left behind."""

from __future__ import annotations

import sys

from bankml.data import sweep_temp_files


def main() -> int:
    removed = sweep_temp_files()
    if removed:
        print(
            f"removed {removed} unfinished bank file(s) left by an interrupted regeneration",
            file=sys.stderr,
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
