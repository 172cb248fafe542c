"""Emitters: pure functions from the service graph to output documents."""
