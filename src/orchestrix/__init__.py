"""Orchestrix: describe an API in plain words, get a tested tool graph that runs."""

__version__ = "0.1.0"
