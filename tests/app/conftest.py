"""AppTest plumbing shared by the page tests.

Every `AppTest` instance scans all installed distributions' metadata for Streamlit v2 component
manifests (`BidiComponentManager.discover_and_register_components`): about 0.2 s of CPU per
instance, paid by each of the several hundred page opens of the fast tier, for an answer that
cannot change while the tests run (nothing installs packages mid-run). The scan is done once per
process here; what it finds is registered in every AppTest exactly as before.
"""

from __future__ import annotations

import functools

from streamlit.components.v2 import manifest_scanner

_scan = functools.cache(manifest_scanner.scan_component_manifests)


def _scan_once(max_workers: int | None = None) -> list:
    """The first scan's manifests (a fresh list each call, as the original returns)."""
    return list(_scan(max_workers))


manifest_scanner.scan_component_manifests = _scan_once
