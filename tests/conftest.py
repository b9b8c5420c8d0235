"""Test-wide settings: commands record their runs in a throwaway store, not ./willing-runs.db."""

from __future__ import annotations

import os
import tempfile

_STORE_DIR = tempfile.mkdtemp(prefix="willing-test-store-")
os.environ["WILLING_DB"] = f"sqlite:///{_STORE_DIR}/willing-runs.db"
