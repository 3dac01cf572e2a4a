"""High-availability and distributed router rules: VRRP and host placement."""
