"""Benches of d2k (issue 6): cold start, throughput, from-running. See bench/README.md."""
