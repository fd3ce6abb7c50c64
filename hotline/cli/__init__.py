"""Command line entry points (`flask --app hotline COMMAND` or `hotline`): thin callers that commit."""
