"""Roles and ownership rules: admin-only elements, floating IP reachability, SNAT."""
