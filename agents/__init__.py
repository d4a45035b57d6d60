"""Thin wiring around the pure core: Faust app and agents, CLI, metrics, settings."""
