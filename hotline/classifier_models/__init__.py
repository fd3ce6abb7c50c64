"""The classifier model registry: training, registering, activating and serving the active model."""
