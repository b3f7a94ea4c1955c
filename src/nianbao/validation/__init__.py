"""Validation (勾稽关系): the frames Great Expectations judges, the suites generated from the format's
rules, the GX run, the plain-Python checks of the narrative, and the plain ``Finding`` results.

Great Expectations is imported lazily, only when a batch is validated.
"""
