"""Use cases the entry points call: carry out a decision, keep the registry, sweep, report daily. Plain Python over ports."""
