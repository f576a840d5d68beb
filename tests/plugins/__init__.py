"""Tests of the built-in plugins, one file per plugin."""
