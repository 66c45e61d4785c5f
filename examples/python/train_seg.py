"""A PyTorch training script fed by imgbatch: a small fully convolutional network learns the masks of
the sample data (`imgbatch make-sample DIR`) and prints its loss as it falls. Batches reach torch
through DLPack, without a copy; decoding and augmentation run on imgbatch's C++ threads, so there are
no worker processes.

    python3 examples/python/train_seg.py DATA_DIR [--steps 300]
"""
import argparse
import statistics

import torch
import torch.nn as nn
import torch.nn.functional as F

import imgbatch


class Segmenter(nn.Module):
    def __init__(self, classes=21):
        super().__init__()
        self.c1 = nn.Conv2d(3, 16, 3, padding=1)
        self.c2 = nn.Conv2d(16, 32, 3, padding=1, stride=2)
        self.c3 = nn.Conv2d(32, 32, 3, padding=1)
        self.head = nn.Conv2d(32, classes, 1)

    def forward(self, x):
        y = F.relu(self.c1(x))
        y = F.relu(self.c3(F.relu(self.c2(y))))
        return F.interpolate(self.head(y), size=x.shape[2:], mode="bilinear", align_corners=False)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("data", help="a folder made by `imgbatch make-sample`")
    ap.add_argument("--steps", type=int, default=300)
    args = ap.parse_args()

    loader = imgbatch.Loader({
        "dataset": {"format": "folder", "root": "seg", "images": "images", "masks": "masks"},
        "targets": {"mask": {"num_classes": 21, "ignore_index": 255}},
        "sampler": {"shuffle": True, "seed": 0, "drop_last": True},
        "transforms": [{"op": "resize", "size": [64, 64]}, {"op": "hflip", "p": 0.5}, {"op": "normalize"}],
        "batch": {"size": 8},
        "loader": {"threads": 2, "prefetch_batches": 4},
    }, base_dir=args.data)

    torch.manual_seed(0)
    net = Segmenter()
    opt = torch.optim.Adam(net.parameters(), lr=3e-3)
    losses = []
    epoch = 0
    while len(losses) < args.steps:
        loader.set_epoch(epoch)
        for batch in loader:
            if len(losses) == args.steps:
                break
            x = torch.from_dlpack(batch["image"])  # N×3×64×64 float32, no copy
            y = torch.from_dlpack(batch["mask"])   # N×64×64 int64
            opt.zero_grad()
            loss = F.cross_entropy(net(x), y, ignore_index=255)
            loss.backward()
            opt.step()
            losses.append(loss.item())
            if len(losses) % 50 == 0 or len(losses) == 1:
                print(f"step {len(losses)} (epoch {epoch}): loss {losses[-1]:.4f}", flush=True)
        epoch += 1
    first, last = statistics.mean(losses[:20]), statistics.mean(losses[-20:])
    print(f"loss fell from {first:.4f} to {last:.4f} (mean of the first and of the last 20 steps, {len(losses)} steps)")


if __name__ == "__main__":
    main()
