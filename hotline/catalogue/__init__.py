"""The routing catalogue (topics, units, rules, places, time limits, calendar) as the workers and
pages read it: one cached snapshot per process, below every feature that routes or shows it."""
