"""Docker networking rules: host and none networks, published ports, macvlan, DNS names."""
