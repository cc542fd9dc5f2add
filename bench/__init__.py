"""Benchmarks (`make bench`): each module here has a `run()` that measures one thing and
prints a table. Figures go into docs/benchmarks.md with the machine and date."""
