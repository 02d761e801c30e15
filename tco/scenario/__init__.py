"""Scenario files: loading, composition (`extends:`), schema and semantic checks."""
