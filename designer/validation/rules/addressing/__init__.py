"""Addressing rules: subnets and their gateways, pools and nameservers; fixed IPs; subnets that
overlap where they can route to each other; router interfaces and static routes.

Importing the package registers every rule of the area.
"""

from designer.validation.rules.addressing import fixed_ips, routing, subnets  # noqa: F401
