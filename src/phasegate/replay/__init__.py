"""Offline replay of recorded facts, its memo and charts."""
