#!/usr/bin/python3
"""Pixel comparison of `imgbatch dump` against Pillow, the reference the README names for every pixel.

  pillow_compare.py sample_pipeline IMGBATCH TESTDATA WORK
      fixed (non-random) segmentation pipelines on imgbatch's own sample dataset, and on the labelme
      VOC photos with palette masks when TESTDATA is there: images equal to Pillow's BILINEAR (the README
      allows 1; the test holds 0), masks exactly Pillow's NEAREST, normalize exactly torchvision's float32
      arithmetic on Pillow's result.
  pillow_compare.py detection IMGBATCH TESTDATA WORK
      hflip + letterbox 512 (fill 114) + normalize on the real COCO sample: images equal to Pillow
      (hflip, BILINEAR resize, paste on a 114 canvas; the README allows 1), boxes within 1e-3 px of the
      exact affine image of each annotation, computed here from the COCO file; the VOC and YOLO files
      of the same images give the same boxes. Exits 77 (skipped) when TESTDATA is absent.
  pillow_compare.py full_decode IMGBATCH TESTDATA WORK
      full-size decode of the conformance JPEGs and PNGs equals Pillow's pixels exactly
      (EXIF orientation as ImageOps.exif_transpose, CMYK and grey converted as convert("RGB")).
      Exits 77 (skipped) when TESTDATA is absent.
  pillow_compare.py depth IMGBATCH TESTDATA WORK
      centre crop + hflip on the real 16-bit depth maps (Redwood millimetres, scale 1000, folder format;
      TUM, scale 5000, list format): depth equal to stored value / scale as float32, holes 0, read by
      Pillow and numpy here; the colour image equal to Pillow's crop and flip. Exits 77 when TESTDATA is
      absent.
  pillow_compare.py photometric IMGBATCH TESTDATA WORK
      color_jitter, random_grayscale and gaussian_blur with fixed factors against torchvision's functional
      ops on PIL images (Debian python3-torchvision): each jitter alone, brightness + contrast (random
      order: equal to one of the two orders, both seen), contrast before a crop (the mean is the whole
      image's), grey, blur; on the sample dataset and the real VOC photos when TESTDATA is there.
Ends with a line 'N passed, M failed'.
"""
import glob, json, os, shutil, subprocess, sys

try:
    import numpy as np
    from PIL import Image, ImageOps
except ImportError as e:
    print(f"needs Debian's python3-pil and python3-numpy ({e}); scripts/test.sh installs them")
    sys.exit(1)

MEAN = np.array([0.485, 0.456, 0.406], np.float32)
STD = np.array([0.229, 0.224, 0.225], np.float32)
passed = failed = 0


def check(ok, what):
    global passed, failed
    if ok:
        passed += 1
    else:
        failed += 1
        print("FAIL", what)


def run(*args):
    r = subprocess.run(list(args), capture_output=True, text=True)
    if r.returncode != 0:
        print(r.stdout, r.stderr)
        raise SystemExit(f"command failed: {' '.join(args)}")
    return r.stdout


def dump(imgbatch, spec, out, batches):
    shutil.rmtree(out, ignore_errors=True)
    run(imgbatch, "dump", spec, "--batches", str(batches), "--out", out)
    for d in sorted(glob.glob(os.path.join(out, "*", ""))):
        meta = json.load(open(os.path.join(d, "meta.json")))
        tensors = {os.path.basename(p)[:-4]: np.load(p) for p in glob.glob(os.path.join(d, "*.npy"))}
        for i, s in enumerate(meta["samples"]):
            s["_classes"] = meta.get("classes", [])
            yield s, {k: v[i] for k, v in tensors.items()}


def write_spec(path, dataset, transforms, batch, mask_dtype="uint8", layout="NHWC", dtype="uint8"):
    spec = {"dataset": dataset, "transforms": transforms,
            "batch": {"size": batch, "layout": layout, "dtype": dtype},
            "loader": {"threads": 2, "prefetch_batches": 2}}
    if "masks" in dataset or dataset.get("format") == "list":
        spec["targets"] = {"mask": {"num_classes": 21, "ignore_index": 255, "dtype": mask_dtype}}
    with open(path, "w") as f:
        json.dump(spec, f)
    return path


def center_crop(a, th, tw):
    h, w = a.shape[:2]
    top, left = int(round((h - th) / 2.0)), int(round((w - tw) / 2.0))
    return a[top:top + th, left:left + tw]


def fixed_pipeline(imgbatch, work, name, dataset, count):
    """resize [200, 300] then center_crop [180, 280]: uint8 NHWC, then normalize float32 NCHW."""
    ops = [{"op": "resize", "size": [200, 300]}, {"op": "center_crop", "size": [180, 280]}]
    spec = write_spec(os.path.join(work, f"{name}_u8.json"), dataset, ops, 4)
    worst, n = 0, 0
    for s, t in dump(imgbatch, spec, os.path.join(work, f"{name}_u8"), (count + 3) // 4):
        ref = center_crop(np.asarray(Image.open(s["image"]).convert("RGB").resize((300, 200), Image.BILINEAR)), 180, 280)
        mref = center_crop(np.asarray(Image.open(s["mask"]).resize((300, 200), Image.NEAREST)), 180, 280)
        diff = int(np.abs(ref.astype(int) - t["image"].astype(int)).max())
        worst = max(worst, diff)
        check(diff == 0, f"{name}: {s['image']}: image differs from Pillow by {diff}")
        check(np.array_equal(mref, t["mask"]), f"{name}: {s['mask']}: mask differs from Pillow NEAREST in {(mref != t['mask']).sum()} pixels")
        n += 1
    print(f"{name}: {n} samples, resize+center_crop, max |image - Pillow| = {worst}, masks equal to Pillow")
    check(n == count, f"{name}: dumped {n} samples, expected {count}")

    spec = write_spec(os.path.join(work, f"{name}_f32.json"), dataset, ops + [{"op": "normalize"}], 4,
                      mask_dtype="int64", layout="NCHW", dtype="float32")
    worst_f = 0.0
    for s, t in dump(imgbatch, spec, os.path.join(work, f"{name}_f32"), 2):
        u8 = center_crop(np.asarray(Image.open(s["image"]).convert("RGB").resize((300, 200), Image.BILINEAR)), 180, 280)
        ref = ((u8.astype(np.float32) / np.float32(255) - MEAN) / STD).transpose(2, 0, 1)
        worst_f = max(worst_f, float(np.abs(ref - t["image"]).max()))
        mref = center_crop(np.asarray(Image.open(s["mask"]).resize((300, 200), Image.NEAREST)), 180, 280)
        check(t["mask"].dtype == np.int64 and np.array_equal(mref.astype(np.int64), t["mask"]), f"{name}: int64 mask")
    # Pillow's uint8 result through torchvision's float32 normalize, to the bit.
    check(worst_f == 0, f"{name}: normalize differs by {worst_f}")
    print(f"{name}: normalize float32 NCHW, max |imgbatch - torchvision(Pillow)| = {worst_f:.3g}")


def sample_pipeline(imgbatch, testdata, work):
    data = os.path.join(work, "data")
    shutil.rmtree(data, ignore_errors=True)
    run(imgbatch, "make-sample", data, "--n", "12")
    fixed_pipeline(imgbatch, work, "sample", {"format": "folder", "root": os.path.join(data, "seg"),
                                              "images": "images", "masks": "masks"}, 12)
    # Keep aspect: resize the shorter side to 150, one image per batch (sizes differ).
    spec = write_spec(os.path.join(work, "shorter.json"),
                      {"format": "folder", "root": os.path.join(data, "seg"), "images": "images", "masks": "masks"},
                      [{"op": "resize", "shorter": 150}], 1)
    for s, t in dump(imgbatch, spec, os.path.join(work, "shorter"), 12):
        im = Image.open(s["image"]).convert("RGB")
        w, h = im.size
        nw, nh = (150, int(150 * h / w)) if w <= h else (int(150 * w / h), 150)
        ref = np.asarray(im.resize((nw, nh), Image.BILINEAR))
        check(t["image"].shape == ref.shape, f"shorter: {s['image']}: shape {t['image'].shape} vs {ref.shape}")
        if t["image"].shape == ref.shape:
            check(np.abs(ref.astype(int) - t["image"].astype(int)).max() == 0, f"shorter: {s['image']}: pixels")
            check(np.array_equal(np.asarray(Image.open(s["mask"]).resize((nw, nh), Image.NEAREST)), t["mask"]), f"shorter: {s['mask']}")
    # decode.plan "fast": JPEGs decoded at 1/2, 1/4 or 1/8 as Pillow's draft() picks, then resized: equal to
    # Pillow's draft + resize; the masks are unaffected. The difference to the exact (full decode) result is
    # printed: it is what "fast" trades.
    spec_path = os.path.join(work, "fast.json")
    with open(spec_path, "w") as f:
        json.dump({"dataset": {"format": "folder", "root": os.path.join(data, "seg"), "images": "images", "masks": "masks"},
                   "targets": {"mask": {"num_classes": 21, "ignore_index": 255, "dtype": "uint8"}},
                   "transforms": [{"op": "hflip", "p": 1.0}, {"op": "resize", "size": [110, 150]}],
                   "batch": {"size": 4, "layout": "NHWC", "dtype": "uint8"}, "decode": {"plan": "fast"},
                   "loader": {"threads": 2}}, f)
    worst_exact, scales = 0, set()
    for s, t in dump(imgbatch, spec_path, os.path.join(work, "fast"), 3):
        im = Image.open(s["image"])
        full = im.size
        im.draft("RGB", (150, 110))
        scales.add(full[0] // im.size[0])
        ref = np.asarray(im.convert("RGB").transpose(Image.FLIP_LEFT_RIGHT).resize((150, 110), Image.BILINEAR))
        diff = int(np.abs(ref.astype(int) - t["image"].astype(int)).max())
        check(diff == 0, f"fast: {s['image']}: differs from Pillow draft + resize by {diff}")
        exact = np.asarray(Image.open(s["image"]).convert("RGB").transpose(Image.FLIP_LEFT_RIGHT).resize((150, 110), Image.BILINEAR))
        worst_exact = max(worst_exact, int(np.abs(exact.astype(int) - t["image"].astype(int)).max()))
        mref = np.asarray(Image.open(s["mask"]).transpose(Image.FLIP_LEFT_RIGHT).resize((150, 110), Image.NEAREST))
        check(np.array_equal(mref, t["mask"]), f"fast: {s['mask']}: mask differs from Pillow NEAREST")
    check(len(scales - {1}) > 0, f"fast: no image was decoded at a reduced scale ({scales})")
    print(f"fast: 12 samples decoded at 1/{sorted(scales)} equal Pillow's draft + resize; "
          f"max |fast - exact| = {worst_exact} levels")
    voc = os.path.join(testdata, "labelme_gpl3/instance_segmentation/data_dataset_voc")
    if os.path.isdir(voc):
        manifest = os.path.join(work, "labelme.tsv")
        stems = sorted(os.path.splitext(p)[0] for p in os.listdir(os.path.join(voc, "JPEGImages")))
        with open(manifest, "w") as f:
            for st in stems:
                f.write(f"{voc}/JPEGImages/{st}.jpg\t{voc}/SegmentationClass/{st}.png\n")
        fixed_pipeline(imgbatch, work, "labelme_voc", {"format": "list", "root": work, "manifest": "labelme.tsv"}, len(stems))
    else:
        print(f"note: {voc} absent: real-photo comparison skipped")


def letterbox_reference(path, size, fill):
    """Pillow: hflip, BILINEAR resize to round(side * r), centred on a fill canvas (WORKLOADS.md det)."""
    im = Image.open(path).convert("RGB").transpose(Image.FLIP_LEFT_RIGHT)
    w, h = im.size
    r = min(size / w, size / h)
    nw, nh = round(w * r), round(h * r)
    left, top = (size - nw) // 2, (size - nh) // 2
    canvas = Image.new("RGB", (size, size), (fill, fill, fill))
    canvas.paste(im.resize((nw, nh), Image.BILINEAR), (left, top))
    return np.asarray(canvas), (w, h, nw, nh, left, top)


def detection(imgbatch, testdata, work):
    root = os.path.join(testdata, "detection_voc_coco_yolo")
    if not os.path.isdir(root):
        print(f"SKIPPED: {root} not found")
        sys.exit(77)
    coco_file = os.path.join(root, "gts/coco_format_v2/instances_v2.json")
    coco = json.load(open(coco_file))
    names = {c["id"]: c["name"] for c in coco["categories"]}
    by_file = {im["file_name"]: im for im in coco["images"]}
    anns = {}
    for a in coco["annotations"]:
        anns.setdefault(a["image_id"], []).append(a)
    ops = [{"op": "hflip", "p": 1.0}, {"op": "letterbox", "size": [512, 512], "fill": [114, 114, 114]}]
    common = {"transforms": ops, "batch": {"size": 4, "layout": "NHWC", "dtype": "uint8"},
              "loader": {"threads": 2, "prefetch_batches": 2}}
    specs = {
        "coco": {"format": "coco", "root": root, "annotations": "gts/coco_format_v2/instances_v2.json",
                 "images": "images", "missing_images": "skip"},
        "voc": {"format": "voc", "root": root, "annotations": "gts/pascalvoc_format", "images": "images",
                "classes": "voc.names"},
        "yolo": {"format": "yolo", "root": root, "labels": "gts/yolo_format/obj_train_data", "images": "images",
                 "classes": "gts/yolo_format/obj.names"},
    }
    boxes_of = {}
    for fmt, ds in specs.items():
        path = os.path.join(work, f"det_{fmt}.json")
        with open(path, "w") as f:
            json.dump(dict(common, dataset=ds), f)
        out = {}
        meta_classes = None
        for s, t in dump(imgbatch, path, os.path.join(work, f"det_{fmt}"), 3):
            n = int(t["box_count"])
            cls = {c["label"]: c["name"] for c in s["_classes"]}
            out[os.path.basename(s["image"])] = [(cls[int(l)], tuple(float(v) for v in b))
                                                 for b, l in zip(t["boxes"][:n], t["labels"][:n])]
            if fmt == "coco":
                ref, (w, h, nw, nh, left, top) = letterbox_reference(s["image"], 512, 114)
                diff = int(np.abs(ref.astype(int) - t["image"].astype(int)).max())
                check(diff == 0, f"letterbox: {s['image']}: image differs from Pillow by {diff}")
                check(np.array_equal(ref[:, :left], t["image"][:, :left]) and np.array_equal(ref[:top], t["image"][:top]),
                      f"letterbox: {s['image']}: fill differs")
                im = by_file[os.path.basename(s["image"])]
                kx, ky = nw / w, nh / h
                want = []
                for a in anns.get(im["id"], []):
                    x, y, bw, bh = a["bbox"]
                    want.append((names[a["category_id"]], ((w - (x + bw)) * kx + left, y * ky + top, (w - x) * kx + left, (y + bh) * ky + top)))
                got = out[os.path.basename(s["image"])]
                check(len(got) == len(want), f"letterbox: {s['image']}: {len(got)} boxes, want {len(want)}")
                worst = max((max(abs(p - q) for p, q in zip(g[1], e[1])) for g, e in zip(got, want)), default=0)
                check(all(g[0] == e[0] for g, e in zip(got, want)), f"letterbox: {s['image']}: labels {got} vs {want}")
                check(worst <= 1e-3, f"letterbox: {s['image']}: boxes differ from the exact affine image by {worst}")
        boxes_of[fmt] = out
    check(len(boxes_of["coco"]) == 10, f"coco: {len(boxes_of['coco'])} images loaded, want the 10 present")
    worst = 0.0
    for fmt in ("voc", "yolo"):
        check(sorted(boxes_of[fmt]) == sorted(boxes_of["coco"]), f"{fmt}: not the same images as coco")
        for name, want in boxes_of["coco"].items():
            got = boxes_of[fmt].get(name, [])
            same = sorted(g[0] for g in got) == sorted(e[0] for e in want) and len(got) == len(want)
            check(same, f"{fmt}: {name}: labels {[g[0] for g in got]} vs coco {[e[0] for e in want]}")
            for g in got:  # match each box to the coco box of the same class nearest to it
                d = min(max(abs(p - q) for p, q in zip(g[1], e[1])) for e in want if e[0] == g[0])
                worst = max(worst, d)
    check(worst <= 1e-3, f"voc/yolo boxes differ from coco's by {worst} px")
    # The same with normalize, float32 NCHW: torchvision's float32 arithmetic on Pillow's uint8 result.
    path = os.path.join(work, "det_norm.json")
    with open(path, "w") as f:
        json.dump(dict(common, dataset=specs["coco"], transforms=ops + [{"op": "normalize"}],
                       batch={"size": 4, "layout": "NCHW", "dtype": "float32"}), f)
    worst_f, n = 0.0, 0
    for s, t in dump(imgbatch, path, os.path.join(work, "det_norm"), 3):
        u8, _ = letterbox_reference(s["image"], 512, 114)
        ref = ((u8.astype(np.float32) / np.float32(255) - MEAN) / STD).transpose(2, 0, 1)
        worst_f = max(worst_f, float(np.abs(ref - t["image"]).max()))
        n += 1
    check(n == 10, f"normalize: {n} samples")
    check(worst_f == 0, f"detection normalize differs by {worst_f}")
    print(f"detection: hflip + letterbox equal to Pillow, + normalize equal to torchvision on it; boxes within 1e-3 px "
          f"of the exact affine image; coco, voc and yolo agree within {worst:.2g} px on {len(boxes_of['coco'])} images")


def full_decode(imgbatch, testdata, work):
    table = os.path.join(testdata, "EXPECTED_DECODE.tsv")
    if not os.path.exists(table):
        print(f"SKIPPED: {table} not found")
        sys.exit(77)
    files = []
    for line in open(table):
        cols = line.rstrip("\n").split("\t")
        if len(cols) < 4 or line.startswith("#") or cols[1] != "ok":
            continue
        path, fmt = cols[0], cols[2]
        if path.endswith(".jpg"):
            files.append(path)
        elif fmt.startswith("png:") and "bitdepth=16 colortype=0" not in fmt and "bitdepth=16 colortype=4" not in fmt:
            # Pillow opens 16-bit grey as mode I and clips it to 0..255 on convert("RGB"), where imgbatch
            # keeps the high byte like every other 16-bit image; those are compared elsewhere.
            files.append(path)
    manifest = os.path.join(work, "decode.tsv")
    os.makedirs(work, exist_ok=True)
    with open(manifest, "w") as f:
        for p in files:
            f.write(os.path.join(testdata, p) + "\n")
    with open(os.path.join(work, "decode.json"), "w") as f:
        json.dump({"dataset": {"format": "list", "root": work, "manifest": "decode.tsv"},
                   "batch": {"size": 1, "layout": "NHWC", "dtype": "uint8"},
                   "loader": {"threads": 2, "prefetch_batches": 2}}, f)
    kinds, unreadable = {}, []
    for s, t in dump(imgbatch, os.path.join(work, "decode.json"), os.path.join(work, "decode"), len(files)):
        try:
            ref = np.asarray(ImageOps.exif_transpose(Image.open(s["image"])).convert("RGB"))
        except Exception as e:  # Pillow gives up on some files libjpeg reads (a cut-off EXIF block)
            unreadable.append(f"{os.path.basename(s['image'])} ({type(e).__name__})")
            continue
        ok = ref.shape == t["image"].shape and np.array_equal(ref, t["image"])
        detail = "" if ref.shape != t["image"].shape else f", max diff {int(np.abs(ref.astype(int) - t['image'].astype(int)).max())}"
        check(ok, f"{s['image']}: shape {t['image'].shape} vs Pillow {ref.shape}{detail}")
        kind = s["image"].rsplit(".", 1)[1]
        kinds[kind] = kinds.get(kind, 0) + 1
    print(f"full decode equal to Pillow for {kinds} files (EXIF orientation, CMYK, grey, palette, progressive, arithmetic included)")
    if unreadable:
        print(f"not compared, Pillow cannot open them: {', '.join(unreadable)}")


def depth(imgbatch, testdata, work):
    root = os.path.join(testdata, "open3d_rgbd_depth", "RGBD")
    if not os.path.exists(os.path.join(root, "depth", "00000.png")):
        print(f"SKIPPED: {root} is absent")
        sys.exit(77)
    with open(os.path.join(work, "tum.tsv"), "w") as f:
        f.write(f"{root}/other_formats/TUM_color.png\t{root}/other_formats/TUM_depth.png\n")
    cases = [("redwood", {"format": "folder", "root": root, "images": "color", "depth": "depth"}, 1000.0, 2),
             ("tum", {"format": "list", "root": root, "manifest": os.path.join(work, "tum.tsv")}, 5000.0, 1)]
    for name, dataset, scale, count in cases:
        spec = {"dataset": dataset, "targets": {"depth": {"scale": scale}},
                "transforms": [{"op": "center_crop", "size": [400, 560]}, {"op": "hflip", "p": 1.0}],
                "batch": {"size": 1, "layout": "NHWC", "dtype": "uint8"}, "loader": {"threads": 2}}
        path = os.path.join(work, f"{name}.json")
        with open(path, "w") as f:
            json.dump(spec, f)
        n = 0
        for s, t in dump(imgbatch, path, os.path.join(work, name), count):
            stored = np.asarray(Image.open(s["depth"])).astype(np.int64)
            check(stored.max() > 255, f"{name}: Pillow reads {s['depth']} as 16-bit")
            crop = center_crop(stored, 400, 560)[:, ::-1]
            ref = np.where(crop == 0, 0.0, crop / scale).astype(np.float32)
            got = t["depth"]
            check(got.dtype == np.float32 and got.shape == (1, 400, 560), f"{name}: depth is {got.dtype} {got.shape}")
            check(np.array_equal(got[0], ref), f"{name}: {s['depth']}: depth differs from stored / {scale} in "
                                               f"{int((got[0] != ref).sum())} pixels")
            img = center_crop(np.asarray(Image.open(s["image"]).convert("RGB")), 400, 560)[:, ::-1]
            check(np.array_equal(img, t["image"]), f"{name}: {s['image']}: image differs from Pillow")
            print(f"{name}: {s['depth']}: depth = stored / {scale:g} exactly, {int((crop == 0).sum())} holes 0, "
                  f"range {ref[ref > 0].min():.3f}..{ref.max():.3f} m")
            n += 1
        check(n == count, f"{name}: {n} samples dumped, expected {count}")


def photometric(imgbatch, testdata, work):
    try:
        import torch
        import torchvision.transforms.functional as TF
    except ImportError as e:
        raise SystemExit(f"needs Debian's python3-torchvision ({e}); scripts/test.sh installs it")
    data = os.path.join(work, "data")
    shutil.rmtree(data, ignore_errors=True)
    run(imgbatch, "make-sample", data, "--n", "8")
    sets = [("sample", {"format": "folder", "root": os.path.join(data, "seg"), "images": "images"}, 8)]
    voc = os.path.join(testdata, "detection_voc_coco_yolo", "images")
    if os.path.isdir(voc):
        sets.append(("voc_photos", {"format": "folder", "root": voc, "images": "."}, len(os.listdir(voc))))
    # (name, ops, reference(PIL image) -> list of acceptable numpy results, tolerance)
    cases = [
        ("brightness", [{"op": "color_jitter", "brightness": [1.3, 1.3]}], lambda im: [TF.adjust_brightness(im, 1.3)], 0),
        ("brightness_down", [{"op": "color_jitter", "brightness": [0.55, 0.55]}], lambda im: [TF.adjust_brightness(im, 0.55)], 0),
        ("contrast", [{"op": "color_jitter", "contrast": [0.7, 0.7]}], lambda im: [TF.adjust_contrast(im, 0.7)], 0),
        ("contrast_up", [{"op": "color_jitter", "contrast": [1.6, 1.6]}], lambda im: [TF.adjust_contrast(im, 1.6)], 0),
        ("saturation", [{"op": "color_jitter", "saturation": [1.6, 1.6]}], lambda im: [TF.adjust_saturation(im, 1.6)], 0),
        ("hue", [{"op": "color_jitter", "hue": [0.2, 0.2]}], lambda im: [TF.adjust_hue(im, 0.2)], 0),
        ("hue_negative", [{"op": "color_jitter", "hue": [-0.33, -0.33]}], lambda im: [TF.adjust_hue(im, -0.33)], 0),
        ("brightness_contrast", [{"op": "color_jitter", "brightness": [1.2, 1.2], "contrast": [0.8, 0.8]}],
         lambda im: [TF.adjust_contrast(TF.adjust_brightness(im, 1.2), 0.8),
                     TF.adjust_brightness(TF.adjust_contrast(im, 0.8), 1.2)], 0),
        ("contrast_then_crop", [{"op": "color_jitter", "contrast": [0.5, 0.5]}, {"op": "center_crop", "size": [64, 96]}],
         lambda im: [TF.center_crop(TF.adjust_contrast(im, 0.5), [64, 96])], 0),
        ("grayscale", [{"op": "random_grayscale", "p": 1.0}], lambda im: [TF.rgb_to_grayscale(im, 3)], 0),
        # torchvision's kernel_size is [width, height]; ours [height, width].
        ("blur", [{"op": "gaussian_blur", "kernel_size": [5, 7], "sigma": [1.3, 1.3]}],
         lambda im: [TF.gaussian_blur(im, [7, 5], [1.3, 1.3])], 1),
        # Photometric ops on a crop or after a flip work on that frame (blur reflects at the crop's edge).
        ("crop_blur", [{"op": "center_crop", "size": [100, 140]}, {"op": "gaussian_blur", "kernel_size": [7, 7], "sigma": [2.0, 2.0]}],
         lambda im: [TF.gaussian_blur(TF.center_crop(im, [100, 140]), [7, 7], [2.0, 2.0])], 1),
        ("flip_contrast_crop", [{"op": "hflip", "p": 1.0}, {"op": "color_jitter", "contrast": [1.4, 1.4]},
                                {"op": "random_grayscale", "p": 1.0}, {"op": "center_crop", "size": [90, 120]}],
         lambda im: [TF.center_crop(TF.rgb_to_grayscale(TF.adjust_contrast(TF.hflip(im), 1.4), 3), [90, 120])], 0),
        ("crop_saturation_flip", [{"op": "center_crop", "size": [120, 100]}, {"op": "color_jitter", "saturation": [0.3, 0.3]},
                                  {"op": "vflip", "p": 1.0}],
         lambda im: [TF.vflip(TF.adjust_saturation(TF.center_crop(im, [120, 100]), 0.3))], 0),
        ("affine", [{"op": "random_affine", "degrees": [30, 30], "scale": [1.2, 1.2], "shear": [10, 10, 5, 5],
                     "fill": [10, 20, 30]}],
         lambda im: [TF.affine(im, 30.0, [0, 0], 1.2, [10.0, 5.0], interpolation=TF.InterpolationMode.BILINEAR,
                               fill=[10, 20, 30])], 0),
        ("affine_nearest", [{"op": "random_affine", "degrees": [-75, -75], "scale": [0.8, 0.8],
                             "interpolation": "nearest"}],
         lambda im: [TF.affine(im, -75.0, [0, 0], 0.8, [0.0, 0.0], interpolation=TF.InterpolationMode.NEAREST)], 0),
    ]
    for set_name, dataset, count in sets:
        for name, ops, reference, tol in cases:
            spec = write_spec(os.path.join(work, f"{set_name}_{name}.json"), dataset, ops, 1)
            worst, n, orders = 0, 0, set()
            for s, t in dump(imgbatch, spec, os.path.join(work, f"{set_name}_{name}"), count):
                im = Image.open(s["image"]).convert("RGB")
                refs = [np.asarray(r) for r in reference(im)]
                diffs = [int(np.abs(r.astype(int) - t["image"].astype(int)).max()) if r.shape == t["image"].shape else 999
                         for r in refs]
                best = int(np.argmin(diffs))
                orders.add(best)
                worst = max(worst, diffs[best])
                check(diffs[best] <= tol, f"{set_name} {name}: {s['image']}: differs from torchvision by {diffs[best]}")
                n += 1
            check(n == count, f"{set_name} {name}: {n} samples, expected {count}")
            note = ""
            if name == "brightness_contrast":
                note = f", orders seen {sorted(orders)}"
                if count >= 8:
                    check(len(orders) == 2, f"{set_name} {name}: only order(s) {sorted(orders)} in {n} samples")
            print(f"{set_name} {name}: {n} samples, max |imgbatch - torchvision| = {worst}{note}")
    # Masks follow random_affine by nearest neighbour, in Pillow's own 16.16 fixed-point stepping.
    spec = {"dataset": {"format": "folder", "root": os.path.join(data, "seg"), "images": "images", "masks": "masks"},
            "targets": {"mask": {"num_classes": 21, "ignore_index": 255, "dtype": "uint8"}},
            "transforms": [{"op": "random_affine", "degrees": [25, 25], "scale": [1.1, 1.1], "shear": [8, 8]}],
            "batch": {"size": 1, "layout": "NHWC", "dtype": "uint8"}, "loader": {"threads": 2}}
    path = os.path.join(work, "mask_affine.json")
    with open(path, "w") as f:
        json.dump(spec, f)
    differ = total = 0
    for s, t in dump(imgbatch, path, os.path.join(work, "mask_affine"), 8):
        ref = np.asarray(TF.affine(Image.open(s["mask"]), 25.0, [0, 0], 1.1, [8.0, 0.0],
                                   interpolation=TF.InterpolationMode.NEAREST, fill=255))
        differ += int((ref != t["mask"]).sum())
        total += ref.size
    check(differ == 0, f"mask_affine: {differ} of {total} mask pixels differ from torchvision NEAREST")
    print(f"sample mask_affine: {differ} of {total} mask pixels differ from torchvision's NEAREST")


def main():
    if len(sys.argv) != 5:
        raise SystemExit(__doc__)
    mode, imgbatch, testdata, work = sys.argv[1:]
    testdata, work = os.path.abspath(testdata), os.path.abspath(work)
    os.makedirs(work, exist_ok=True)
    {"sample_pipeline": sample_pipeline, "full_decode": full_decode, "detection": detection,
     "depth": depth, "photometric": photometric}[mode](imgbatch, testdata, work)
    print(f"{passed} passed, {failed} failed")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
