"""The replication engine as it was before issue 9 (multi-round-trip, old scoring), frozen for one purpose:
benchmarks/match_latency.py times it beside today's engine in the same run. Nothing else imports it."""
