"""The key a model's `init` draws its weights with: threefry, its random bits drawn over the
flat size of each array and reshaped.

Why: XLA:CPU compiles threefry's counters over a multi-dimensional shape very slowly (one
(3, 3, 8, 9) kernel's draw ~15 s to compile, the same 648 values drawn flat 0.3 s), and an init
draws one array per kernel shape, so starting a tiny training run took 20-50 s of compilation.
Threefry counts an array's elements by their linear index, so the flat draw reshaped is bit
for bit the shaped one: the same initial weights as the default key (tests/test_models.py),
2-8x faster to compile.
"""
from __future__ import annotations

import math

import jax
from jax.extend import random as jax_random

_THREEFRY = jax_random.threefry_prng_impl


def _flat_random_bits(key, bit_width, shape):
    return _THREEFRY.random_bits(key, bit_width, (math.prod(shape),)).reshape(shape)


FLAT_THREEFRY = jax_random.define_prng_impl(
    key_shape=_THREEFRY.key_shape, seed=_THREEFRY.seed, split=_THREEFRY.split,
    random_bits=_flat_random_bits, fold_in=_THREEFRY.fold_in, name="threefry2x32_flat_bits",
    tag="fryflat")


def init_key(key: jax.Array) -> jax.Array:
    """A threefry key (raw uint32 [2] as `jax.random.PRNGKey` makes, or typed) -> the same key
    drawing flat: pass it to `Module.init` (as "params" and any other rng) for the weights the
    raw key gives, compiled faster."""
    if jax.dtypes.issubdtype(key.dtype, jax.dtypes.prng_key):
        key = jax.random.key_data(key)
    return jax.random.wrap_key_data(key, impl=FLAT_THREEFRY)
