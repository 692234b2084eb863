"""How a process runs: settings, wiring (bootstrap), logs and metrics, the clock, the queue worker."""
