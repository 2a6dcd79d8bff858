"""The functional core: facts, policies, the verdict algebra and evaluation.

Pure functions over plain data: no clock, no I/O beyond reading the input files.
"""
