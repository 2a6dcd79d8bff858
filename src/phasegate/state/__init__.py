"""The state dir and the one place that says where a change stands."""
