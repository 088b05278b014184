"""alpr_jax: automatic licence-plate recognition in the wild, in JAX/Flax.

    from alpr_jax import ALPR
    result = ALPR.load().predict("photo.jpg")

Subpackages: data (formats, readers, synthetic engine, input pipelines), geometry (boxes, anchors,
crops, rectification, sampler), models, train, evaluate, pipeline (inference). Importing the
package does not import JAX; `ALPR` is loaded on first use.
"""
__version__ = "0.1.0"


def __getattr__(name):
    if name == "ALPR":
        from alpr_jax.pipeline.alpr import ALPR
        return ALPR
    raise AttributeError(f"module 'alpr_jax' has no attribute {name!r}")
