"""The package version, kept in one place."""

__version__ = "5.4.0"
