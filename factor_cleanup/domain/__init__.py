"""The rules, with no I/O: what push-janitor decides and why."""
