"""The intake pipeline, in stage order: accept -> handover (commit, then queue) -> process -> triage."""
