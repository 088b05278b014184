"""Low-rank factoring of a trained RPN's costliest convs, fitted to their responses.

A conv whose responses z [N, C] on real inputs lie close to an r-dimensional subspace (their
covariance's top r eigenvectors P [C, r] hold most of the variance) is replaced by a conv to
r channels (the old kernel projected on P) and a 1x1 conv back to C, so that its output is
z's projection mean + P P^T (z - mean) instead of z: r / C of the cost of the big conv
(Zhang et al., "Accelerating very deep convolutional networks", 2015, the linear case).
A short fine-tune taught by the original network follows (configs/detector_rpn.py
`factored`). Tried on the shipped RPN and not shipped: it cost two of easypr_dev's street
plates for a tenth of a photo's time (weights/detector.md).

    stats = ResponseStats(); stats.add("head", z)    # z [..., C] float, as many batches as wanted
    variables, config, kept = factor_rpn(variables, config, stats, conv2_rank=48, head_rank=48)
"""
from __future__ import annotations

import copy

import numpy as np

BN_EPS = 1e-5              # flax.linen.BatchNorm's default, as layers.batch_norm uses


class ResponseStats:
    """Running mean and covariance (float64) of each named layer's responses."""

    def __init__(self):
        self._sum, self._outer, self._count = {}, {}, {}

    def add(self, name: str, responses) -> None:
        """responses [..., C]: every leading position is one sample."""
        z = np.asarray(responses, np.float64)
        z = z.reshape(-1, z.shape[-1])
        if name not in self._sum:
            self._sum[name] = np.zeros(z.shape[1])
            self._outer[name] = np.zeros((z.shape[1], z.shape[1]))
            self._count[name] = 0
        self._sum[name] += z.sum(0)
        self._outer[name] += z.T @ z
        self._count[name] += len(z)

    def mean_and_basis(self, name: str, rank: int) -> tuple[np.ndarray, np.ndarray, float]:
        """(mean [C], the covariance's top `rank` eigenvectors P [C, rank], the share of the
        variance they hold)."""
        if self._count.get(name, 0) < 2:
            raise ValueError(f"no responses of {name!r} to fit a rank to")
        n = self._count[name]
        mean = self._sum[name] / n
        cov = self._outer[name] / n - np.outer(mean, mean)
        values, vectors = np.linalg.eigh((cov + cov.T) / 2)
        order = np.argsort(values)[::-1]
        if not 0 < rank <= len(values):
            raise ValueError(f"rank {rank} for {name!r} outside 1..{len(values)}")
        values = np.clip(values[order], 0, None)
        share = float(values[:rank].sum() / max(values.sum(), 1e-30))
        return mean, vectors[:, order[:rank]], share


def factor_conv_bn(params: dict, stats_bn: dict, mean_z, basis) -> tuple[dict, dict]:
    """A ConvBN's (layers.ConvBN) params {"Conv_0": {"kernel"}, "BatchNorm_0": {...}} and
    batch stats, refitted as ConvBN(rank=r): "reduce" [kh, kw, cin, r], "expand" [1, 1, r, C].
    mean_z, basis: the mean [C] and top eigenvectors [C, r] of the BatchNorm's outputs
    (before the ReLU). The BatchNorm keeps its scale, bias and variance; its mean absorbs the
    projection's offset."""
    kernel = np.asarray(params["Conv_0"]["kernel"], np.float64)
    scale = np.asarray(params["BatchNorm_0"]["scale"], np.float64)
    bias = np.asarray(params["BatchNorm_0"]["bias"], np.float64)
    mean = np.asarray(stats_bn["mean"], np.float64)
    d = scale / np.sqrt(np.asarray(stats_bn["var"], np.float64) + BN_EPS)
    # z = d (y - mean) + bias, y = conv(x): the conv's mean response
    mean_y = (np.asarray(mean_z, np.float64) - bias) / d + mean
    p = np.asarray(basis, np.float64)
    reduce = kernel @ (d[:, None] * p)                      # y -> u = P^T d y
    expand = (p / d[:, None]).T                             # u -> y' = d^-1 P u
    # d (y' - mean') + bias = mean_z + P P^T d (y - mean_y)
    new_mean = mean - mean_y + (p @ (p.T @ (d * mean_y))) / d
    new_params = {k: v for k, v in params.items() if k != "Conv_0"}
    new_params["reduce"] = {"kernel": reduce.astype(np.float32)}
    new_params["expand"] = {"kernel": expand[None, None].astype(np.float32)}
    new_stats = dict(stats_bn, mean=new_mean.astype(np.float32))
    return new_params, new_stats


def factor_conv(params: dict, mean_z, basis) -> tuple[dict, dict]:
    """A biased conv {"kernel", "bias"} whose outputs z have mean mean_z [C] and top
    eigenvectors basis [C, r] -> (reduce {"kernel" [kh, kw, cin, r]}, expand {"kernel"
    [1, 1, r, C], "bias" [C]}): expand(reduce(x)) = mean_z + P P^T (z - mean_z)."""
    kernel = np.asarray(params["kernel"], np.float64)
    bias = np.asarray(params["bias"], np.float64)
    mean_z = np.asarray(mean_z, np.float64)
    p = np.asarray(basis, np.float64)
    reduce = {"kernel": (kernel @ p).astype(np.float32)}
    expand = {"kernel": p.T[None, None].astype(np.float32),
              "bias": (mean_z + p @ (p.T @ (bias - mean_z))).astype(np.float32)}
    return reduce, expand


# The RPN's factorable convs: (name in ResponseStats, their module in the unfactored RPN).
RPN_CONV2 = ("conv2", "ConvBN_2")
RPN_HEAD = ("head", "Conv_0")


def factor_rpn(variables: dict, config: dict, stats: ResponseStats, conv2_rank: int = 0,
               head_rank: int = 0) -> tuple[dict, dict, dict]:
    """A trained, unfactored RPN's variables and model config -> the factored RPN's
    (variables, config) and the variance share each factored layer keeps. stats: the
    responses of "conv2" (ConvBN_2's BatchNorm output) and "head" (the 3x3 head conv's output,
    before its ReLU) on training inputs (rpn_responses)."""
    if config.get("conv2_rank") or config.get("head_rank"):
        raise ValueError("the RPN is factored already")
    params = copy.deepcopy(variables["params"])
    batch_stats = copy.deepcopy(variables["batch_stats"])
    kept = {}
    if conv2_rank:
        name, path = RPN_CONV2
        mean, basis, kept[name] = stats.mean_and_basis(name, conv2_rank)
        params[path], batch_stats[path]["BatchNorm_0"] = factor_conv_bn(
            params[path], batch_stats[path]["BatchNorm_0"], mean, basis)
    if head_rank:
        name, path = RPN_HEAD
        mean, basis, kept[name] = stats.mean_and_basis(name, head_rank)
        params["head_reduce"], params["head_expand"] = factor_conv(params.pop(path), mean, basis)
    config = dict(config, conv2_rank=int(conv2_rank), head_rank=int(head_rank))
    return {"params": params, "batch_stats": batch_stats}, config, kept


def rpn_responses(model, variables, x) -> dict:
    """The unfactored RPN's responses that factor_rpn fits to, for inputs x [B, H, W, 3]
    float32 in [0, 1]: {"conv2": [B, H/4, W/4, C2], "head": [B, H/8, W/8, C]}."""
    _, state = model.apply(variables, x, train=False, capture_intermediates=True)
    inter = state["intermediates"]
    return {RPN_CONV2[0]: inter[RPN_CONV2[1]]["BatchNorm_0"]["__call__"][0],
            RPN_HEAD[0]: inter[RPN_HEAD[1]]["__call__"][0]}
