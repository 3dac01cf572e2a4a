"""The deploy planner: from a revision and the placement of its elements on hosts, the desired
state of every host. Pure: no Django, no I/O."""
