"""`imgbatch preview` puts masks, boxes, padding and depth where the batch has them.

For a segmentation, a detection (letterbox) and a depth batch of `imgbatch make-sample` data, the
preview PNG is compared pixel by pixel with the same batch written by `imgbatch dump` (.npy tensors and
meta.json geometry), using the rules src/cli/preview.hpp states: 4-pixel gaps, ceil(sqrt(N)) tiles a
row; the image with normalize undone; a class mask blended as 0.55 image + 0.45 VOC colour, ignore
pixels as 0.4 image + 0.6 white; boxes outlined in the VOC colour of label + 1; padding (pixel centres
mapping outside the source image) halved where ((x + y) // 4) is even; depth beside the image, black
where nothing was measured, the nearest value yellow (253, 231, 37) and the farthest purple (68, 1, 84),
and every measured pixel matplotlib's viridis (within 6 levels) of its inverse depth over the batch's range.
The VOC colours come from the devkit's bit-interleaving formula, checked against its known values.
Usage: preview_check.py IMGBATCH WORKDIR
"""
import json
import math
import os
import shutil
import subprocess
import sys

import numpy as np
from matplotlib import cm
from PIL import Image

MEAN, STD = np.array([0.485, 0.456, 0.406]), np.array([0.229, 0.224, 0.225])
GAP = 4


def voc(c):
    r = g = b = 0
    for j in range(8):
        r |= ((c >> 0) & 1) << (7 - j)
        g |= ((c >> 1) & 1) << (7 - j)
        b |= ((c >> 2) & 1) << (7 - j)
        c >>= 3
    return np.array([r, g, b], float)


assert list(voc(1)) == [128, 0, 0] and list(voc(15)) == [192, 128, 128] and list(voc(20)) == [0, 64, 128]


def run(*args):
    subprocess.run(args, check=True, capture_output=True)


def batch_and_preview(cli, work, spec):
    out = os.path.join(work, "dump_" + spec)  # not work/seg, the dataset itself: dump needs a new folder
    run(cli, "dump", os.path.join(work, spec + ".json"), "--epoch", "3", "--batches", "1", "--out", out)
    run(cli, "preview", os.path.join(work, spec + ".json"), "--epoch", "3", "--batch", "0", "--out", out + ".png")
    d = os.path.join(out, "0000")
    tensors = {f[:-4]: np.load(os.path.join(d, f)) for f in os.listdir(d) if f.endswith(".npy")}
    with open(os.path.join(d, "meta.json")) as f:
        meta = json.load(f)
    return tensors, meta, np.asarray(Image.open(out + ".png").convert("RGB")).astype(float)


def tile(grid, n, N, H, W, tile_w, dx=0):
    cols = math.ceil(math.sqrt(N))
    ox, oy = GAP + (n % cols) * (tile_w + GAP) + dx, GAP + (n // cols) * (H + GAP)
    return grid[oy:oy + H, ox:ox + W]


def base_image(image, n):
    return np.transpose(image[n], (1, 2, 0)) * STD + MEAN  # H×W×3 in [0, 1]


def padding_of(geometry, H, W):
    m = geometry["matrix"]
    sh, sw = geometry["source_size"]
    ys, xs = np.mgrid[0:H, 0:W] + 0.5
    # Axis-aligned here (no rotation): x' = m0 x + m2, y' = m4 y + m5.
    sx, sy = (xs - m[2]) / m[0], (ys - m[5]) / m[4]
    return (sx < 0) | (sy < 0) | (sx >= sw) | (sy >= sh)


def check_seg(cli, work):
    t, meta, grid = batch_and_preview(cli, work, "seg")
    image, mask = t["image"], t["mask"]
    N, _, H, W = image.shape
    checked = 0
    for n in range(N):
        got = tile(grid, n, N, H, W, W)
        base = base_image(image, n) * 255
        m = mask[n]
        want = base.copy()
        for c in np.unique(m):
            sel = m == c
            if c == 255:
                want[sel] = base[sel] * 0.4 + 255 * 0.6
            elif c > 0:
                want[sel] = base[sel] * 0.55 + voc(int(c)) * 0.45
        assert not padding_of(meta["samples"][n]["geometry"], H, W).any()
        err = np.abs(got - np.clip(want, 0, 255))
        assert err.max() <= 1.0, f"seg sample {n}: {err.max()} at {np.unravel_index(err.argmax(), err.shape)}"
        checked += m.size
    assert (mask > 0).sum() > 1000 and (mask == 255).sum() > 100  # classes and ignore pixels were exercised
    return checked


def check_det(cli, work):
    # make-sample's det.json without its instance masks (they would tint the image): boxes alone.
    with open(os.path.join(work, "det.json")) as f:
        spec = json.load(f)
    spec["targets"] = {}
    for op in spec["transforms"]:  # not square, so that a swapped width and height show
        if op["op"] == "letterbox":
            op["size"] = [320, 384]
    with open(os.path.join(work, "det_boxes.json"), "w") as f:
        json.dump(spec, f)
    t, meta, grid = batch_and_preview(cli, work, "det_boxes")
    image, boxes, labels, count = t["image"], t["boxes"], t["labels"], t["box_count"]
    N, _, H, W = image.shape
    edges = hits = shifted_hits = padded = 0
    for n in range(N):
        got = tile(grid, n, N, H, W, W)
        base = np.clip(base_image(image, n) * 255, 0, 255)
        pad = padding_of(meta["samples"][n]["geometry"], H, W)
        ys, xs = np.mgrid[0:H, 0:W]
        dark = pad & (((xs + ys) // 4) % 2 == 0)
        want = np.where(dark[..., None], base * 0.5, base)
        same = (np.abs(got - want) <= 1).all(axis=2)
        # Labels may be drawn over the padding above a box; everything else is exactly the rule.
        assert same[pad].mean() > 0.97, f"det sample {n}: padding hatch matches {same[pad].mean():.3f}"
        assert same[~pad].mean() > 0.9
        padded += pad.sum()
        for k in range(count[n]):
            # The outline: rows floor(y1) and ceil(y2) - 1, columns floor(x1) and ceil(x2) - 1, 2 pixels
            # thick inwards, in the VOC colour of label + 1; probed at the middle of each side, and 4
            # pixels further in, where only a box drawn in the wrong place would be.
            bx1, by1, bx2, by2 = boxes[n, k]
            l, t_, r, b_ = math.floor(bx1), math.floor(by1), math.ceil(bx2) - 1, math.ceil(by2) - 1
            if r - l < 12 or b_ - t_ < 12:
                continue
            col = voc(int(labels[n, k]) + 1)
            xm, ym = (l + r) // 2, (t_ + b_) // 2
            for (x, y), (ix, iy) in (((l, ym), (l + 4, ym)), ((r, ym), (r - 4, ym)), ((xm, t_), (xm, t_ + 4)),
                                     ((xm, b_), (xm, b_ - 4))):
                edges += 1
                hits += bool((got[y, x] == col).all())
                shifted_hits += bool((got[iy, ix] == col).all())
    assert padded > 10000, "the letterbox left no padding to check"
    assert edges > 100
    assert hits >= 0.9 * edges and shifted_hits <= 0.1 * edges, (hits, shifted_hits, edges)
    return edges


def check_depth(cli, work):
    t, meta, grid = batch_and_preview(cli, work, "depth")
    image, depth = t["image"], t["depth"]
    N, _, H, W = image.shape
    valid = depth[depth > 0]
    near, far = valid.min(), valid.max()
    saw_near = saw_far = False
    for n in range(N):
        panel = tile(grid, n, N, H, W, 2 * W + GAP, dx=W + GAP)
        d = depth[n, 0]
        black = (panel == 0).all(axis=2)
        assert (black == (d == 0)).all(), f"depth sample {n}: black pixels are not the unmeasured ones"
        if (d == near).any():
            saw_near = True
            assert (np.abs(panel[d == near] - [253, 231, 37]) <= 1).all()
        if (d == far).any():
            saw_far = True
            assert (np.abs(panel[d == far] - [68, 1, 84]) <= 1).all()
        # Every measured pixel: matplotlib's viridis at (1/d - 1/far) / (1/near - 1/far), the batch's range.
        sel = d > 0
        t = (1 / d[sel].astype(float) - 1 / float(far)) / (1 / float(near) - 1 / float(far))
        want = np.array(cm.viridis(t))[:, :3] * 255
        err = np.abs(panel[sel] - want).max()
        assert err <= 6, f"depth sample {n}: colour off by {err}"
    assert saw_near and saw_far
    return N


def main():
    cli, work = sys.argv[1], sys.argv[2]
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    run(cli, "make-sample", work, "--n", "32")
    print("seg pixels checked:", check_seg(cli, work))
    print("det box edges checked:", check_det(cli, work))
    print("depth panels checked:", check_depth(cli, work))


if __name__ == "__main__":
    main()
