"""Collecting facts from the real tools: commands, their outputs, and the facts they yield."""
