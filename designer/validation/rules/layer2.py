"""Layer-2 rules: loops in the bridging graph."""
