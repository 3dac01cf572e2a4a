"""The lab fabric: several emulated hosts on one machine, for teaching and tests.

`spec` says what a fabric is (pure); `kernel` builds, observes and removes one (root).
"""
