"""The thin imperative shell that applies a verdict: deploy, verify, actions, journal, retry."""
