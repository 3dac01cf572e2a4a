"""The API's views, one module per concept; each view checks the role, calls one service and
lets domain errors rise to `designer.api.errors`."""
