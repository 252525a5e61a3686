"""The benchmark suite's parts, run by benchmarks/run.py: the cases (ops.py, models.py), the
timer, the machine's description and roofline, the memory probe, and the report."""
