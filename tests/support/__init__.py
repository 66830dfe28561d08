"""Test helpers: databases, API clients, factories."""
