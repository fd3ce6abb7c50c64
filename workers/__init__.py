"""RQ jobs and their schedule. Jobs are thin: they open an app context and call the domain."""
