"""The reviewer tools: what a policy change does before it decides anything.

lint, fmt, policy tests with coverage, explain and diff read policies (and recorded facts)
and report; they never act on a rollout. They are the only users of the syntax-tree parser
(`phasegate.cel.syntax`), so the commands that decide (`evaluate`, `replay`, `collect`,
`run`) never load it.
"""
