"""VLAN and tunnel rules: VLAN ids, VNIs, segments, self-service networks."""
