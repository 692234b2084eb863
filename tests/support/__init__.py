"""Helpers shared by test modules of more than one file or kind: request builders, harnesses, stack access."""
