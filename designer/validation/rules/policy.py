"""VLAN segmentation policy rules: networks outside their role's VLAN range, and routed paths
between roles that must never be routed to each other."""
