"""Browser tests (pytest-playwright + Debian Chromium + axe-core)."""
