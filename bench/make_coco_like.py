#!/usr/bin/python3
"""A COCO instances file the size of train2017 (118,287 images, 860,001 annotations, about 450 MB), to time
how long imgbatch takes to index it.

Usage: make_coco_like.py OUT [--images 118287] [--annotations 860001] [--seed 0]
Writes OUT/annotations.json and OUT/images/NNNNNNNNNNNN.jpg, every image a symbolic link to one small JPEG
(the index checks that each file exists; it does not decode them). Polygons have 10 to 60 points with two
decimals, as COCO's do; one annotation in 100 is a crowd with a compressed RLE. Also writes the two specs the
README times: OUT/boxes.json (boxes only: segmentations are skipped while indexing) and OUT/masks.json
(instance masks: polygons and RLEs kept), for `imgbatch-bench OUT/boxes.json --index-only`.
"""
import argparse, json, os, random, sys


def rle_string(counts):
    # the COCO API's rleToString
    out = []
    for i, x in enumerate(counts):
        if i > 2:
            x -= counts[i - 2]
        more = True
        while more:
            c = x & 0x1F
            x >>= 5
            more = (x != -1) if (c & 0x10) else (x != 0)
            if more:
                c |= 0x20
            out.append(chr(c + 48))
    return "".join(out)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--images", type=int, default=118287)
    ap.add_argument("--annotations", type=int, default=860001)
    ap.add_argument("--seed", type=int, default=0)
    a = ap.parse_args()
    rnd = random.Random(a.seed)
    os.makedirs(os.path.join(a.out, "images"), exist_ok=True)
    seed_jpg = os.path.join(a.out, "seed.jpg")
    if not os.path.exists(seed_jpg):
        from PIL import Image
        Image.new("RGB", (640, 480), (90, 120, 150)).save(seed_jpg, quality=50)
    images = []
    for i in range(a.images):
        name = f"{i + 1:012d}.jpg"
        path = os.path.join(a.out, "images", name)
        if not os.path.exists(path):
            os.symlink(os.path.abspath(seed_jpg), path)
        images.append({"license": 1, "file_name": name, "coco_url": "http://images.cocodataset.org/train2017/" + name,
                       "height": 480, "width": 640, "date_captured": "2013-11-14 11:18:45", "id": i + 1})
    anns = []
    for k in range(a.annotations):
        image_id = rnd.randrange(a.images) + 1
        x, y = rnd.uniform(0, 500), rnd.uniform(0, 380)
        w, h = rnd.uniform(2, 640 - x), rnd.uniform(2, 480 - y)
        crowd = rnd.random() < 0.01
        if crowd:
            runs, total = [], 480 * 640
            left = total
            while left > 0:
                r = min(left, rnd.randrange(1, 4000))
                runs.append(r)
                left -= r
            seg = {"counts": rle_string(runs), "size": [480, 640]}
        else:
            n = rnd.randrange(10, 61)
            seg = [[round(v, 2) for p in range(n) for v in (x + rnd.uniform(0, w), y + rnd.uniform(0, h))]]
        anns.append({"segmentation": seg, "area": round(w * h, 2), "iscrowd": int(crowd), "image_id": image_id,
                     "bbox": [round(x, 2), round(y, 2), round(w, 2), round(h, 2)], "category_id": rnd.randrange(1, 91),
                     "id": k + 1})
    cats = [{"supercategory": "thing", "id": c, "name": f"class{c}"} for c in range(1, 91)]
    with open(os.path.join(a.out, "annotations.json"), "w") as f:
        json.dump({"info": {"description": "train2017-sized synthetic"}, "licenses": [], "images": images,
                   "annotations": anns, "categories": cats}, f, separators=(",", ":"))
    for name, targets in (("boxes", {"boxes": {}}), ("masks", {"boxes": {}, "instance_masks": True})):
        spec = {"dataset": {"format": "coco", "annotations": "annotations.json", "images": "images"},
                "targets": targets,
                "transforms": [{"op": "letterbox", "size": [512, 512], "fill": [114, 114, 114]}],
                "batch": {"size": 16}}
        with open(os.path.join(a.out, name + ".json"), "w") as f:
            json.dump(spec, f, indent=1)
    print(f"{a.images} images, {a.annotations} annotations, "
          f"{os.path.getsize(os.path.join(a.out, 'annotations.json')) / 1e6:.0f} MB in {a.out}")


if __name__ == "__main__":
    sys.exit(main())
