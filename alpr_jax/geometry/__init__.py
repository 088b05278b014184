"""Geometry shared by data, models, evaluation and inference.

Coordinate convention (one for the whole project): continuous pixel coordinates with the
image's top-left corner at (0, 0), x to the right, y down; pixel (row i, column j) covers
[j, j+1) x [i, i+1) and its centre is (j + 0.5, i + 0.5). Points are (x, y); boxes are
(x1, y1, x2, y2); plate corners are [4, 2] in the order TL, TR, BR, BL (clockwise).
"""
