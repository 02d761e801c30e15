"""tco: plan the total cost of ownership of LLM deployments."""

__version__ = "0.1.0"
