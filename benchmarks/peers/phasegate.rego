# The 25 live shipped rules (policies/*.yaml) translated to Rego, for the peer benchmark.
# The `mode: shadow` rules (significance.yaml) never decide, so they are not here.
#
# CEL's semantics kept where the facts can reach them: a rule whose facts are absent is an
# error, which contributes its on_error verdict (pause for every shipped rule); `||` and
# `exists` are true when any operand is, whatever the others; `&&` is false when any is.
# A `final` rule that fires is the decision alone: every other rule is skipped.
# `decision` is {"verdict": ..., "fired": [...]}, the fired rule ids sorted.
package phasegate

import rego.v1

phases := {
	"checklist.checks-passed": {0, 1, 2},
	"checklist.checks-on-release-commit": {0, 1, 2},
	"checklist.version-matches": {0, 1, 2},
	"checklist.owners-assigned": {0, 1, 2},
	"checklist.rollback-target": {0, 1, 2},
	"checklist.rollback-target-known": {1, 2},
	"freeze.active": {0, 1, 2},
	"health.error-rate-regression": {1, 2},
	"health.error-rate-elevated": {1, 2},
	"health.incident-open": {1, 2},
	"health.new-failures": {1, 2},
	"health.throughput-low": {2},
	"health.completion-low": {2},
	"rollout.phase-progression": {1, 2},
	"rollout.phase0-environments": {1},
	"rollout.phase2-sampling": {2},
	"rollout.rolled-back": {0, 1, 2},
	"rollout.rollback-unfinished": {1, 2},
	"rollout.closed": {0, 1, 2},
	"trigger.contract-break": {0, 1, 2},
	"trigger.data-corruption": {0, 1, 2},
	"trigger.lock-contention-spike": {1, 2},
	"trigger.agent-failure-cascade": {1, 2},
	"window.phase1-stable": {1},
	"window.phase2-monitoring": {2},
}

verdicts := {
	"checklist.checks-passed": "rollback",
	"checklist.checks-on-release-commit": "pause",
	"checklist.version-matches": "rollback",
	"checklist.owners-assigned": "pause",
	"checklist.rollback-target": "pause",
	"checklist.rollback-target-known": "pause",
	"freeze.active": "pause",
	"health.error-rate-regression": "rollback",
	"health.error-rate-elevated": "pause",
	"health.incident-open": "rollback",
	"health.new-failures": "pause",
	"health.throughput-low": "pause",
	"health.completion-low": "pause",
	"rollout.phase-progression": "pause",
	"rollout.phase0-environments": "pause",
	"rollout.phase2-sampling": "pause",
	"rollout.rolled-back": "pause",
	"rollout.rollback-unfinished": "rollback",
	"rollout.closed": "pause",
	"trigger.contract-break": "rollback",
	"trigger.data-corruption": "rollback",
	"trigger.lock-contention-spike": "rollback",
	"trigger.agent-failure-cascade": "rollback",
	"window.phase1-stable": "pause",
	"window.phase2-monitoring": "pause",
}

# params, as the policy files declare them
health := {
	"regression_factor": 1.5, "regression_margin": 0.01,
	"elevated_factor": 1.1, "elevated_margin": 0.002,
	"severe_incidents": {"P0", "P1"}, "new_failures_max": 20,
	"known_failure_categories": {
		"timeout", "compile_error", "test_failure", "stage_failure",
		"landing_failure", "max_attempts_exhausted",
	},
	"throughput_floor": 0.8, "completion_drop": 0.05,
}

rollout_windows := {1: "0s", 2: "60m"}

phase0_environments := ["ci", "operator"]

phase2_sample_interval := "10m"

finals := {"rollout.rolled-back"}

triggers := {"lock_spike_factor": 3.0, "lock_spike_margin": 0.01, "cascade_min_failed": 3, "cascade_min_share": 0.25}

window := "60m"

facts := input

names := ["quick", "test", "ci"]

# `ok` defaults from the exit code, as phasegate normalises a check
ok(check) := check.ok
ok(check) := object.get(check, "timed_out", false) == false if {
	not "ok" in object.keys(check)
	check.exit_code == 0
}
ok(check) := false if {
	not "ok" in object.keys(check)
	check.exit_code != 0
}

number(x) if is_number(x)

# --- checklist ----------------------------------------------------------------------------

fires["checklist.checks-passed"] if {
	some n in names
	ok(facts.checks[n]) == false
}

errs["checklist.checks-passed"] if {
	some n in names
	not is_boolean(ok(facts.checks[n]))
}

commit := trim_space(facts.change.commit)

release_commit_mismatch(n) if {
	ran := lower(facts.checks[n].commit)
	not startswith(ran, lower(commit))
	not startswith(lower(commit), ran)
}

fires["checklist.checks-on-release-commit"] if count(commit) < 7

fires["checklist.checks-on-release-commit"] if {
	some n in names
	release_commit_mismatch(n)
}

errs["checklist.checks-on-release-commit"] if not is_string(facts.change.commit)

errs["checklist.checks-on-release-commit"] if {
	some n in names
	not is_string(facts.checks[n].commit)
}

fires["checklist.version-matches"] if {
	trim_prefix(facts.deployed_version, "v") != trim_prefix(facts.change.tag, "v")
}

errs["checklist.version-matches"] if not is_string(facts.deployed_version)

errs["checklist.version-matches"] if not is_string(facts.change.tag)

fires["checklist.owners-assigned"] if not facts.owners.release

fires["checklist.owners-assigned"] if not facts.owners.rollback

fires["checklist.owners-assigned"] if trim_space(facts.owners.release) == ""

fires["checklist.owners-assigned"] if trim_space(facts.owners.rollback) == ""

# from Phase 1 on, a rollback needs a named target
fires["checklist.rollback-target-known"] if not facts.change.last_known_good

fires["checklist.rollback-target-known"] if trim_space(facts.change.last_known_good) == ""

# the last known-good is the release itself: its tag ("v" and case aside) or its commit
last_known_good := trim_space(facts.change.last_known_good)

fires["checklist.rollback-target"] if {
	is_string(facts.change.tag)
	trim_prefix(lower(last_known_good), "v") == trim_prefix(lower(trim_space(facts.change.tag)), "v")
}

fires["checklist.rollback-target"] if {
	release := lower(trim_space(facts.change.commit))
	count(last_known_good) >= 7
	count(release) >= 7
	startswith(release, lower(last_known_good))
}

fires["checklist.rollback-target"] if {
	release := lower(trim_space(facts.change.commit))
	count(last_known_good) >= 7
	count(release) >= 7
	startswith(lower(last_known_good), release)
}

# --- freeze -------------------------------------------------------------------------------

fires["freeze.active"] if facts.freeze.active == true

errs["freeze.active"] if {
	facts.freeze
	not is_boolean(facts.freeze.active)
}

# --- health -------------------------------------------------------------------------------

fires["health.error-rate-regression"] if {
	facts.metrics.error_rate > (facts.baseline.error_rate * health.regression_factor) + health.regression_margin
}

# a merged cohort: each operator's own rate too, so one that did not measure it (the
# cohort's absent: an error) does not hide another's regression
fires["health.error-rate-regression"] if {
	some summary in facts.operators
	limit := (operator_baseline(summary).error_rate * health.regression_factor) + health.regression_margin
	summary.metrics.error_rate > limit
}

# an operator's own baseline, kept in its summary when the cohort has none (never instead
# of the cohort's)
operator_baseline(summary) := facts.baseline if facts.baseline

else := summary.baseline

errs["health.error-rate-regression"] if not number(facts.metrics.error_rate)

errs["health.error-rate-regression"] if not number(facts.baseline.error_rate)

fires["health.error-rate-elevated"] if {
	facts.metrics.error_rate > (facts.baseline.error_rate * health.elevated_factor) + health.elevated_margin
}

errs["health.error-rate-elevated"] if not number(facts.metrics.error_rate)

errs["health.error-rate-elevated"] if not number(facts.baseline.error_rate)

fires["health.incident-open"] if {
	some incident in facts.incidents
	incident.severity in health.severe_incidents
	incident.status != "resolved"
}

errs["health.incident-open"] if not is_array(facts.incidents)

fires["health.new-failures"] if facts.metrics.new_failures > health.new_failures_max

# one category per event: more of them than the limit is a burst, whatever the count
fires["health.new-failures"] if count(facts.extra.new_failure_categories) > health.new_failures_max

fires["health.new-failures"] if {
	some category in facts.extra.new_failure_categories
	not category in health.known_failure_categories
}

errs["health.new-failures"] if not number(facts.metrics.new_failures)

errs["health.new-failures"] if not is_array(facts.extra.new_failure_categories)

fires["health.throughput-low"] if {
	facts.metrics.throughput < facts.baseline.throughput * health.throughput_floor
}

errs["health.throughput-low"] if not number(facts.metrics.throughput)

errs["health.throughput-low"] if not number(facts.baseline.throughput)

fires["health.completion-low"] if {
	facts.metrics.agent_completion_rate < facts.baseline.agent_completion_rate - health.completion_drop
}

errs["health.completion-low"] if not number(facts.metrics.agent_completion_rate)

errs["health.completion-low"] if not number(facts.baseline.agent_completion_rate)

# --- rollout ------------------------------------------------------------------------------

fires["rollout.phase-progression"] if {
	is_object(facts.rollout)
	not "progression_override" in object.keys(facts.rollout)
	not "previous_phase_continue_at" in object.keys(facts.rollout)
}

fires["rollout.phase-progression"] if {
	not "progression_override" in object.keys(facts.rollout)
	held := time.parse_rfc3339_ns(facts.rollout.previous_phase_continue_at) - previous_window_start
	held < time.parse_duration_ns(rollout_windows[facts.phase])
}

# A continue recorded after this snapshot: a clock ahead where it was decided.
fires["rollout.phase-progression"] if {
	not "progression_override" in object.keys(facts.rollout)
	continued := time.parse_rfc3339_ns(upper(facts.rollout.previous_phase_continue_at))
	continued > time.parse_rfc3339_ns(upper(facts.collected_at))
}

# The previous phase's window runs from the later of its start and its last unclean decision.
previous_window_start := max({
	time.parse_rfc3339_ns(facts.rollout.previous_phase_started_at),
	time.parse_rfc3339_ns(facts.rollout.previous_phase_stable_since),
}) if {
	facts.rollout.previous_phase_stable_since
} else := time.parse_rfc3339_ns(facts.rollout.previous_phase_started_at)

errs["rollout.phase-progression"] if not is_object(facts.rollout)

errs["rollout.phase-progression"] if {
	not "progression_override" in object.keys(facts.rollout)
	facts.rollout.previous_phase_continue_at
	not is_string(facts.rollout.previous_phase_started_at)
}

errs["rollout.phase-progression"] if {
	not overridden
	unknown_absent("previous_phase_stable_since")
}

overridden if "progression_override" in object.keys(facts.rollout)

# A rollout fact read only when present, absent and named in `extra.phasegate_unknown`
# (merge: an operator could not say): the rule reads it anyway, an error unless it fires
# on the rest.
unknown_absent(field) if {
	is_object(facts.rollout)
	not field in object.keys(facts.rollout)
	is_string(facts.extra.phasegate_unknown[concat(".", ["rollout", field])])
}

fires["rollout.phase0-environments"] if {
	not overridden
	recorded := facts.rollout.previous_phase_environments
	some environment in phase0_environments
	not environment in recorded
}

errs["rollout.phase0-environments"] if not is_object(facts.rollout)

# the interval in whole seconds, as CEL's getSeconds() gives it (never negative)
fires["rollout.phase2-sampling"] if {
	not overridden
	interval := floor(time.parse_duration_ns(phase2_sample_interval) / 1000000000)
	facts.rollout.sample_gap_seconds > interval
}

errs["rollout.phase2-sampling"] if not is_object(facts.rollout)

errs["rollout.phase2-sampling"] if {
	not overridden
	unknown_absent("sample_gap_seconds")
}

fires["rollout.rolled-back"] if facts.rollout.state == "rolled_back"

errs["rollout.rolled-back"] if {
	facts.rollout
	not is_string(facts.rollout.state)
}

# `has(facts.rollout) && has(facts.rollout.rollback_decided_at)`: never an error
fires["rollout.rollback-unfinished"] if "rollback_decided_at" in object.keys(facts.rollout)

fires["rollout.closed"] if facts.rollout.state == "closed"

errs["rollout.closed"] if {
	facts.rollout
	not is_string(facts.rollout.state)
}

# --- triggers -----------------------------------------------------------------------------

fires["trigger.contract-break"] if count(facts.contract.drift) > 0

fires["trigger.contract-break"] if count(facts.contract.nondeterministic_exits) > 0

errs["trigger.contract-break"] if not is_array(facts.contract.drift)

errs["trigger.contract-break"] if not is_array(facts.contract.nondeterministic_exits)

fires["trigger.data-corruption"] if facts.state.corruption_indicators > 0

fires["trigger.data-corruption"] if facts.state.db_integrity_ok == false

errs["trigger.data-corruption"] if not number(facts.state.corruption_indicators)

errs["trigger.data-corruption"] if not is_boolean(facts.state.db_integrity_ok)

fires["trigger.lock-contention-spike"] if {
	limit := (facts.baseline.lock_contention_rate * triggers.lock_spike_factor) + triggers.lock_spike_margin
	facts.metrics.lock_contention_rate > limit
}

# a merged cohort: each operator's own rate too, so one that did not measure it (the
# cohort's absent: an error) does not hide another's spike
fires["trigger.lock-contention-spike"] if {
	some summary in facts.operators
	limit := (operator_baseline(summary).lock_contention_rate * triggers.lock_spike_factor) + triggers.lock_spike_margin
	summary.metrics.lock_contention_rate > limit
}

errs["trigger.lock-contention-spike"] if not number(facts.metrics.lock_contention_rate)

errs["trigger.lock-contention-spike"] if not number(facts.baseline.lock_contention_rate)

fires["trigger.agent-failure-cascade"] if {
	facts.metrics.agents_failed >= triggers.cascade_min_failed
	facts.metrics.agents_failed >= triggers.cascade_min_share * facts.metrics.agents_total
}

# a merged cohort: each operator's swarm too
fires["trigger.agent-failure-cascade"] if {
	some summary in facts.operators
	summary.metrics.agents_failed >= triggers.cascade_min_failed
	summary.metrics.agents_failed >= triggers.cascade_min_share * summary.metrics.agents_total
}

errs["trigger.agent-failure-cascade"] if not number(facts.metrics.agents_failed)

errs["trigger.agent-failure-cascade"] if {
	facts.metrics.agents_failed >= triggers.cascade_min_failed
	not number(facts.metrics.agents_total)
}

# --- windows ------------------------------------------------------------------------------

young if {
	now := time.parse_rfc3339_ns(upper(facts.collected_at))
	now - window_start < time.parse_duration_ns(window)
}

# A stable window: from the later of the phase's start and its last unclean decision.
window_start := max({
	time.parse_rfc3339_ns(upper(facts.phase_started_at)),
	time.parse_rfc3339_ns(upper(facts.rollout.phase_stable_since)),
}) if {
	facts.rollout.phase_stable_since
} else := time.parse_rfc3339_ns(upper(facts.phase_started_at))

fires["window.phase1-stable"] if young

fires["window.phase2-monitoring"] if young

errs["window.phase1-stable"] if not is_string(facts.phase_started_at)

errs["window.phase2-monitoring"] if not is_string(facts.phase_started_at)

errs["window.phase1-stable"] if unknown_absent("phase_stable_since")

errs["window.phase2-monitoring"] if unknown_absent("phase_stable_since")

# --- the decision -------------------------------------------------------------------------

applicable contains id if {
	some id, in_phases in phases
	facts.phase in in_phases
}

fired contains id if {
	some id in applicable
	fires[id]
}

errored contains id if {
	some id in applicable
	not fires[id]
	errs[id]
}

final_fired := {id | some id in fired; id in finals}

# what decides: the final rules that fired alone, else every rule
decided := final_fired if count(final_fired) > 0

decided := fired if count(final_fired) == 0

severity := {"continue": 0, "pause": 1, "rollback": 2}

# every shipped rule's on_error is pause
contributions contains verdicts[id] if some id in decided

contributions contains "pause" if {
	count(final_fired) == 0
	some _ in errored
}

worst := max({severity[v] | some v in contributions} | {0})

decision := {
	"verdict": [v | some v, n in severity; n == worst][0],
	"fired": sort([id | some id in decided]),
}
