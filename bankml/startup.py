"""First-start housekeeping for `make run`: sweep temp files a killed writer left behind, and train
a quick default model when the registry has none, so the dashboard has a model on first start."""

from __future__ import annotations

import sys
import time

from bankml import config
from bankml.data import sweep_temp_files
from bankml.errors import BankmlError


def ensure_default_model() -> str | None:
    """Train and register the quick model when there is a bank but no usable current model."""
    from bankml import config, registry

    models = config.models_dir()
    registry.sweep_temp(models)
    if registry.current_id(models) is not None:
        try:
            registry.verify(models)
            return None
        except BankmlError as exc:
            print(f"the current model is unusable ({exc}); training a new one", file=sys.stderr)
    if not config.db_path().exists():
        return None
    from bankml.default import train_bank_model

    started = time.perf_counter()
    result, folder = train_bank_model(None, models, candidates="quick")
    print(
        f"trained {result.chosen} in {time.perf_counter() - started:.1f} s and registered {folder}",
        file=sys.stderr,
    )
    return str(folder)


def main() -> int:
    removed = sweep_temp_files()
    if removed:
        print(
            f"removed {removed} unfinished bank file(s) left by an interrupted regeneration",
            file=sys.stderr,
        )
    try:
        ensure_default_model()
        from bankml.default import performance_view

        performance_view.ensure()  # the Model performance first view, stored beside the model
    except BankmlError as exc:  # the dashboard still starts; its pages explain how to train
        print(f"no default model yet: {exc}", file=sys.stderr)
    try:  # the segments page's first view reads this fit instead of fitting
        if config.db_path().exists():
            from bankml.segment import precompute

            precompute()
    except BankmlError as exc:
        print(f"no precomputed segments: {exc}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
