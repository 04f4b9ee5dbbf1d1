#!/usr/bin/env python3
"""PyTorch peer of bench/tfjsMlpDdpm.ts (stack.md section 4): the same tabular DDPM denoiser, batch, optimiser
and step counts, on the CPU of the same machine, in the same run.

MLP (110 features + 64-dim time embedding) -> 3 x 256 ReLU -> 110, batch 256, Adam(1e-3), MSE.

Usage: python3 bench/torch_mlp_ddpm.py --train-steps 300 --warmup 5 --sampling-steps 200 --chain-steps 200
Prints one JSON object on stdout: {"torch": ..., "threads": ..., "blas": ..., "train_steps_per_s": ..., ...}.
Exit code 3 (and {"error": ...}) when torch cannot be imported, so the caller can skip with a note.
"""
import argparse
import json
import os
import re
import sys
import time

FEATURES, TIME_EMBEDDING, HIDDEN, HIDDEN_LAYERS, BATCH = 110, 64, 256, 3, 256


def loaded_blas_libraries():
    """BLAS shared libraries mapped into this process (Linux). Debian's torch is built against the "generic"
    libblas.so.3, which update-alternatives points at reference BLAS or, once installed, OpenBLAS: only the
    mapped file says which one runs."""
    try:
        with open("/proc/self/maps") as maps:
            paths = {line.split()[-1] for line in maps if "blas" in line.lower() and "/" in line}
    except OSError:
        return []
    return sorted({os.path.realpath(p) for p in paths})


def blas_name(torch):
    """Which BLAS torch uses (stack.md: always name it): a short name for tables and the detail behind it (the
    build's BLAS_INFO from torch.__config__.show() and, for the generic libblas.so.3, the library it resolves to)."""
    config = torch.__config__.show()
    match = re.search(r"BLAS_INFO=([^,\s]+)", config)
    build_blas = match.group(1) if match else "unknown"
    torch.ones(8, 8) @ torch.ones(8, 8)  # make sure the BLAS is loaded
    loaded = [os.path.join(os.path.basename(os.path.dirname(p)), os.path.basename(p)) for p in loaded_blas_libraries()]
    joined = " ".join(loaded).lower()
    if "openblas" in joined:
        short = "OpenBLAS"
    elif "mkl" in joined or build_blas == "mkl":
        short = "MKL"
    elif loaded:
        short = "reference BLAS"
    else:
        short = build_blas
    detail = f"BLAS_INFO={build_blas}" + (f"; loaded {', '.join(loaded)}" if loaded else "")
    return short, detail


def build_denoiser(torch):
    layers = []
    width = FEATURES + TIME_EMBEDDING
    for _ in range(HIDDEN_LAYERS):
        layers += [torch.nn.Linear(width, HIDDEN), torch.nn.ReLU()]
        width = HIDDEN
    layers.append(torch.nn.Linear(width, FEATURES))
    return torch.nn.Sequential(*layers)


def measure_train(torch, warmup, steps):
    model = build_denoiser(torch)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    inputs = torch.randn(BATCH, FEATURES + TIME_EMBEDDING)
    noise = torch.randn(BATCH, FEATURES)

    def step():
        optimizer.zero_grad(set_to_none=True)
        loss = torch.nn.functional.mse_loss(model(inputs), noise)
        loss.backward()
        optimizer.step()

    for _ in range(warmup):
        step()
    start = time.perf_counter()
    for _ in range(steps):
        step()
    return steps / (time.perf_counter() - start)


def measure_sampling(torch, denoising_steps, chain_steps):
    model = build_denoiser(torch)
    time_features = torch.randn(BATCH, TIME_EMBEDDING)
    x = torch.randn(BATCH, FEATURES)
    with torch.no_grad():
        model(torch.cat([x, time_features], 1))
        start = time.perf_counter()
        for _ in range(denoising_steps):
            x = x - 0.01 * model(torch.cat([x, time_features], 1))
        seconds = time.perf_counter() - start
    passes_per_s = denoising_steps / seconds
    return BATCH * passes_per_s / chain_steps, passes_per_s


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--train-steps", type=int, default=300)
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument("--sampling-steps", type=int, default=200, help="forward passes timed")
    parser.add_argument("--chain-steps", type=int, default=200, help="passes per sampling chain (records/s)")
    parser.add_argument("--threads", type=int, default=0, help="torch.set_num_threads (0: torch's default)")
    args = parser.parse_args()
    try:
        import torch
    except ImportError as error:  # the caller skips the PyTorch rows with this note
        print(json.dumps({"error": f"cannot import torch: {error}"}))
        return 3
    if args.threads > 0:
        torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    blas, blas_detail = blas_name(torch)
    train = measure_train(torch, args.warmup, args.train_steps)
    records, passes = measure_sampling(torch, args.sampling_steps, args.chain_steps)
    print(json.dumps({
        "torch": torch.__version__,
        "threads": torch.get_num_threads(),
        "interop_threads": torch.get_num_interop_threads(),
        "blas": blas,
        "blas_detail": blas_detail,
        "openblas_num_threads": os.environ.get("OPENBLAS_NUM_THREADS"),
        "train_steps": args.train_steps,
        "train_steps_per_s": train,
        "sampling_steps": args.sampling_steps,
        "sampling_records_per_s": records,
        "sampling_forward_passes_per_s": passes,
    }))
    return 0


if __name__ == "__main__":
    sys.exit(main())
