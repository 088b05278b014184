"""alpr_jax: automatic licence-plate recognition in the wild, in JAX/Flax.

Subpackages: data (formats, readers, synthetic engine, pipelines), geometry (boxes, anchors,
rectification). Importing the package does not import JAX.
"""
__version__ = "0.1.0"
