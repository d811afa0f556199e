"""did: the Diagnostic Imaging Data Set engine.

Pure Python, no Django: the specification as data, streaming readers for CSV and XML,
the vectorised validator, derivations, publication aggregates, synthetic data and the
`did` command. The portal calls it; anyone can run it offline.
"""

__version__ = "0.1.0"
