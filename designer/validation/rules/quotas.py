"""Quota rules: element counts over all of a project's topologies against its quotas."""
