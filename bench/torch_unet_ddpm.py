#!/usr/bin/env python3
"""PyTorch peer of bench/tfjsUnet.ts: the image DDPM's default U-Net (shared/diffusion/imageUnet.ts: base 16,
channel multipliers 1/2/2, GroupNorm 4 groups, SiLU, class one-hot embedding, 176k parameters), one Adam step on
the epsilon-MSE for a fixed random batch of 28x28x1 images, on the CPU of the same machine.

Also times `--sample-passes` denoising passes (forward only, no_grad) over the same batch: a sampling chain (DDIM or
ancestral) costs one such pass per step, so images/s for an S-step chain is image_passes_per_s / S.

Usage: python3 bench/torch_unet_ddpm.py --steps 5 --warmup 1 --batch 64 --threads 1 --sample-passes 10
Prints one JSON object: {"torch": ..., "threads": ..., "params": ..., "train_steps_per_s": ...,
"train_steps_per_cpu_s": ..., "image_passes_per_s": ...}. Exit code 3 (and {"error": ...}) when torch cannot be
imported.
"""
import argparse
import json
import sys
import time

BASE, MULTS, GROUPS, TIME_FEATURES, CLASSES = 16, (1, 2, 2), 4, 32, 2


def build(torch):
    nn = torch.nn

    class Res(nn.Module):
        def __init__(self, cin, cout, temb):
            super().__init__()
            self.norm1 = nn.GroupNorm(GROUPS, cin)
            self.conv1 = nn.Conv2d(cin, cout, 3, padding=1)
            self.time = nn.Linear(temb, cout)
            self.norm2 = nn.GroupNorm(GROUPS, cout)
            self.conv2 = nn.Conv2d(cout, cout, 3, padding=1)
            self.skip = nn.Conv2d(cin, cout, 1) if cin != cout else nn.Identity()

        def forward(self, x, e):
            h = self.conv1(nn.functional.silu(self.norm1(x)))
            h = h + self.time(e)[:, :, None, None]
            h = self.conv2(nn.functional.silu(self.norm2(h)))
            return self.skip(x) + h

    class UNet(nn.Module):
        def __init__(self):
            super().__init__()
            temb = 4 * BASE
            self.dense1 = nn.Linear(TIME_FEATURES, temb)
            self.classes = nn.Linear(CLASSES + 1, temb, bias=False)
            self.dense2 = nn.Linear(temb, temb)
            chans = [m * BASE for m in MULTS]
            self.inp = nn.Conv2d(1, BASE, 3, padding=1)
            self.down = nn.ModuleList()
            self.downsample = nn.ModuleList()
            cur = BASE
            for level, ch in enumerate(chans):
                self.down.append(Res(cur, ch, temb))
                cur = ch
                if level < len(chans) - 1:
                    self.downsample.append(nn.Conv2d(ch, ch, 3, stride=2, padding=1))
            self.mid = Res(cur, cur, temb)
            self.up = nn.ModuleList()
            self.upsample = nn.ModuleList()
            for level in reversed(range(len(chans))):
                self.up.append(Res(cur + chans[level], chans[level], temb))
                cur = chans[level]
                if level > 0:
                    self.upsample.append(nn.Conv2d(cur, cur, 3, padding=1))
            self.out_norm = nn.GroupNorm(GROUPS, cur)
            self.out = nn.Conv2d(cur, 1, 3, padding=1)
            self.levels = len(chans)

        def forward(self, x, time_features, onehot):
            silu = nn.functional.silu
            e = silu(self.dense2(silu(self.dense1(time_features) + self.classes(onehot))))
            h = self.inp(x)
            skips = []
            for level in range(self.levels):
                h = self.down[level](h, e)
                skips.append(h)
                if level < self.levels - 1:
                    h = self.downsample[level](h)
            h = self.mid(h, e)
            for i, level in enumerate(reversed(range(self.levels))):
                h = self.up[i](torch.cat([h, skips[level]], 1), e)
                if level > 0:
                    h = self.upsample[i](nn.functional.interpolate(h, scale_factor=2, mode="nearest"))
            return self.out(silu(self.out_norm(h)))

    return UNet()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=5)
    parser.add_argument("--warmup", type=int, default=1)
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--sample-passes", type=int, default=10)
    args = parser.parse_args()
    try:
        import torch
    except ImportError as error:
        print(json.dumps({"error": f"cannot import torch: {error}"}))
        return 3
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    model = build(torch)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    x = torch.randn(args.batch, 1, 28, 28)
    noise = torch.randn(args.batch, 1, 28, 28)
    time_features = torch.randn(args.batch, TIME_FEATURES)
    onehot = torch.nn.functional.one_hot(torch.arange(args.batch) % (CLASSES + 1), CLASSES + 1).float()

    def step():
        optimizer.zero_grad(set_to_none=True)
        loss = torch.nn.functional.mse_loss(model(x, time_features, onehot), noise)
        loss.backward()
        optimizer.step()

    for _ in range(args.warmup):
        step()
    wall = time.perf_counter()
    cpu = time.process_time()
    for _ in range(args.steps):
        step()
    wall = time.perf_counter() - wall
    cpu = time.process_time() - cpu

    # Sampling: forward passes only, as the sampler makes them (one per chain step, gradients off).
    model.eval()
    with torch.no_grad():
        model(x, time_features, onehot)
        sample_wall = time.perf_counter()
        for _ in range(args.sample_passes):
            model(x, time_features, onehot)
        sample_wall = time.perf_counter() - sample_wall
    print(json.dumps({
        "torch": torch.__version__,
        "threads": torch.get_num_threads(),
        "params": sum(p.numel() for p in model.parameters()),
        "batch": args.batch,
        "train_steps_per_s": args.steps / wall,
        "train_steps_per_cpu_s": args.steps / cpu,
        "image_passes_per_s": args.batch * args.sample_passes / sample_wall,
    }))
    return 0


if __name__ == "__main__":
    sys.exit(main())
