"""Browser tests: the real app in headless Chromium, over SQLite and PostgreSQL."""
