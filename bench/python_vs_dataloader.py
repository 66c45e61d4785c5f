#!/usr/bin/python3
"""The comparison a Python user makes: one pipeline, in one process and one run, fed by imgbatch's
Python module and by torch.utils.data.DataLoader with worker processes (PIL decode, torchvision
transforms, as ../shared/bench/peer_torch.py writes it), each batch handed to torch as tensors.

    bench/python_vs_dataloader.py DATA [--workloads seg,det,gen,depth,big] [--threads 2] [--epochs 3] [--runs 3]

DATA is a folder made by ../shared/bench/make_dataset.py (seg/, det/, ...); the imgbatch side reads the
specs in bench/workloads/. Both run with the same number of workers (imgbatch threads, DataLoader
processes); each run is a warm-up epoch then --epochs timed epochs, the two loaders alternating; the
medians of --runs runs are printed, with one JSON line per run for machines.
"""
import argparse
import glob
import json
import os
import random
import statistics
import time

import numpy as np
import torch
import torchvision.transforms.functional as TF
from PIL import Image
from torch.utils.data import DataLoader, Dataset

import imgbatch

HERE = os.path.dirname(os.path.abspath(__file__))
MEAN, STD = [0.485, 0.456, 0.406], [0.229, 0.224, 0.225]


def stems(root):
    return sorted(os.path.splitext(os.path.basename(p))[0] for p in glob.glob(os.path.join(root, "images", "*.jpg")))


class Seg(Dataset):
    """resize 256² (bilinear, mask nearest), hflip, normalize; `Big`: 512×1024."""
    size = (256, 256)

    def __init__(self, root):
        self.root, self.ids = root, stems(root)

    def __len__(self):
        return len(self.ids)

    def __getitem__(self, i):
        img = Image.open(f"{self.root}/images/{self.ids[i]}.jpg").convert("RGB")
        mask = Image.open(f"{self.root}/masks/{self.ids[i]}.png")
        img = TF.resize(img, list(self.size), TF.InterpolationMode.BILINEAR)
        mask = TF.resize(mask, list(self.size), TF.InterpolationMode.NEAREST)
        if random.random() < 0.5:
            img, mask = TF.hflip(img), TF.hflip(mask)
        return TF.normalize(TF.to_tensor(img), MEAN, STD), torch.from_numpy(np.asarray(mask, dtype=np.int64).copy())


class Big(Seg):
    size = (512, 1024)


class Det(Dataset):
    """hflip, letterbox 512² fill 114, normalize; boxes follow, padded by the collate function."""

    def __init__(self, root, size=512):
        self.root, self.size = root, size
        with open(f"{root}/annotations.json") as f:
            coco = json.load(f)
        self.images = coco["images"]
        self.anns = {im["id"]: [] for im in self.images}
        for a in coco["annotations"]:
            self.anns[a["image_id"]].append(a)

    def __len__(self):
        return len(self.images)

    def __getitem__(self, i):
        info = self.images[i]
        img = Image.open(f"{self.root}/images/{info['file_name']}").convert("RGB")
        w, h = img.size
        boxes = torch.tensor([a["bbox"] for a in self.anns[info["id"]]], dtype=torch.float32).reshape(-1, 4)
        boxes[:, 2:] += boxes[:, :2]
        labels = torch.tensor([a["category_id"] for a in self.anns[info["id"]]], dtype=torch.int64)
        if random.random() < 0.5:
            img = TF.hflip(img)
            boxes[:, [0, 2]] = w - boxes[:, [2, 0]]
        r = self.size / max(w, h)
        nw, nh = round(w * r), round(h * r)
        img = TF.resize(img, [nh, nw], TF.InterpolationMode.BILINEAR)
        left, top = (self.size - nw) // 2, (self.size - nh) // 2
        canvas = Image.new("RGB", (self.size, self.size), (114, 114, 114))
        canvas.paste(img, (left, top))
        boxes = boxes * r
        boxes[:, [0, 2]] += left
        boxes[:, [1, 3]] += top
        return TF.normalize(TF.to_tensor(canvas), MEAN, STD), boxes, labels


def det_collate(batch):
    n = max(len(b[1]) for b in batch)
    boxes = torch.zeros(len(batch), n, 4)
    labels = torch.full((len(batch), n), -1, dtype=torch.int64)
    for k, b in enumerate(batch):
        boxes[k, :len(b[1])] = b[1]
        labels[k, :len(b[2])] = b[2]
    return torch.stack([b[0] for b in batch]), boxes, labels


class Depth(Dataset):
    """random crop 320² of image and 16-bit depth, hflip, normalize; depth in metres."""

    def __init__(self, root, crop=320):
        self.root, self.crop, self.ids = root, crop, stems(root)

    def __len__(self):
        return len(self.ids)

    def __getitem__(self, i):
        img = Image.open(f"{self.root}/images/{self.ids[i]}.jpg").convert("RGB")
        d = np.asarray(Image.open(f"{self.root}/depth/{self.ids[i]}.png"), dtype=np.uint16)
        w, h = img.size
        x0, y0 = random.randint(0, w - self.crop), random.randint(0, h - self.crop)
        img = img.crop((x0, y0, x0 + self.crop, y0 + self.crop))
        d = d[y0:y0 + self.crop, x0:x0 + self.crop]
        if random.random() < 0.5:
            img, d = TF.hflip(img), d[:, ::-1]
        return TF.normalize(TF.to_tensor(img), MEAN, STD), torch.from_numpy(d.astype(np.float32) / 256.0)


class Gen(Dataset):
    """random choice, brightness and contrast 0.8-1.2, h/v flips, random crop 256², [0, 1]."""

    def __init__(self, root, crop=256):
        self.root, self.crop, self.ids = root, crop, stems(root)

    def __len__(self):
        return len(self.ids)

    def __getitem__(self, i):
        img = Image.open(f"{self.root}/images/{random.choice(self.ids)}.jpg").convert("RGB")
        img = TF.adjust_brightness(img, random.uniform(0.8, 1.2))
        img = TF.adjust_contrast(img, random.uniform(0.8, 1.2))
        if random.random() < 0.5:
            img = TF.hflip(img)
        if random.random() < 0.5:
            img = TF.vflip(img)
        w, h = img.size
        x0, y0 = random.randint(0, w - self.crop), random.randint(0, h - self.crop)
        return TF.to_tensor(img.crop((x0, y0, x0 + self.crop, y0 + self.crop)))


WORKLOADS = {"seg": (Seg, None, 32), "det": (Det, det_collate, 16), "depth": (Depth, None, 32),
             "gen": (Gen, None, 32), "big": (Big, None, 8)}


def timed(epochs_iter, epochs):
    """Images per second over `epochs` timed epochs after one warm-up epoch."""
    for _ in epochs_iter(0):
        pass
    n, t0 = 0, time.perf_counter()
    for e in range(1, epochs + 1):
        for images in epochs_iter(e):
            n += images
    return n / (time.perf_counter() - t0)


def run_imgbatch(name, data, threads, epochs):
    with open(os.path.join(HERE, "workloads", f"{name}.json")) as f:
        spec = f.read()
    loader = imgbatch.Loader(spec, base_dir=data, threads=threads)

    def epoch(e):
        loader.set_epoch(e)
        for batch in loader:
            tensors = {k: torch.from_dlpack(batch[k]) for k in batch.keys()}  # what a trainer takes
            yield tensors["image"].shape[0]

    return timed(epoch, epochs)


def run_dataloader(name, data, workers, epochs):
    cls, collate, batch = WORKLOADS[name]
    dl = DataLoader(cls(os.path.join(data, name)), batch_size=batch, shuffle=True, num_workers=workers,
                    collate_fn=collate, drop_last=True, persistent_workers=workers > 0)

    def epoch(_):
        for b in dl:
            yield (b[0] if isinstance(b, (list, tuple)) else b).shape[0]

    return timed(epoch, epochs)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("data")
    ap.add_argument("--workloads", default="seg,det,gen,depth,big")
    ap.add_argument("--threads", type=int, default=2, help="imgbatch threads = DataLoader worker processes")
    ap.add_argument("--epochs", type=int, default=3)
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()
    torch.set_num_threads(1)
    rows = []
    for name in args.workloads.split(","):
        ours, theirs = [], []
        for run in range(args.runs):
            ours.append(run_imgbatch(name, args.data, args.threads, args.epochs))
            theirs.append(run_dataloader(name, args.data, args.threads, args.epochs))
            print(json.dumps({"workload": name, "run": run, "imgbatch_images_per_s": round(ours[-1], 1),
                              "dataloader_images_per_s": round(theirs[-1], 1)}), flush=True)
        rows.append((name, statistics.median(ours), statistics.median(theirs),
                     statistics.median(o / t for o, t in zip(ours, theirs))))
    print(f"\nmedians of {args.runs} runs, {args.threads} threads / worker processes, {args.epochs} epochs each:")
    print(f"{'workload':<10}{'imgbatch img/s':>16}{'DataLoader img/s':>18}{'ratio':>8}")
    for name, o, t, r in rows:
        print(f"{name:<10}{o:>16.1f}{t:>18.1f}{r:>7.2f}x")


if __name__ == "__main__":
    main()
