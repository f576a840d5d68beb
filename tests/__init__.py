"""The test suite (see conftest.py for how apps and databases are built)."""
