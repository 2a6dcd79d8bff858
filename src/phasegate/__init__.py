"""phasegate: a policy-as-code gate for phased rollouts of zjj.

Facts (what was measured) and policies (CEL rules) go in; a verdict (continue, pause or
rollback) comes out, the same one for the same inputs, forever.
"""

__version__ = "0.1.0"
