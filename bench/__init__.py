"""`make bench`: figures showing push-janitor is cheap, fast to start and scales with its work.

Every figure is printed next to a floor measured side by side in the same run, as a ratio, so the
numbers mean something on any machine. Benchmarks print; tests never assert wall-clock time.
"""
