"""PyTorch side of `npm run bench`: a persistent process speaking JSON lines on stdin/stdout.

  {"cmd": "info"}                                  -> versions and thread count
  {"cmd": "setup", "workload": ..., "threads": N, ...} -> builds the workload
  {"cmd": "run", "reps": R}                        -> {"times": [ms, ...]} timed here, without IPC
  {"cmd": "epoch", "dir": ..., "limit": S}         -> LeNet-5: one epoch of Fashion-MNIST, test accuracy

The same workloads as bench/workloads.ts, written the way a PyTorch user would write them.
Run by bench/run.ts with OPENBLAS_CORETYPE=SkylakeX (Debian's OpenBLAS misdetects this CPU).
"""
import gzip
import json
import sys
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F


def lenet():
    return nn.Sequential(
        nn.Conv2d(1, 6, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(6, 16, 5), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(),
        nn.Linear(400, 120), nn.ReLU(), nn.Linear(120, 84), nn.ReLU(), nn.Linear(84, 10),
    )


def setup(spec):
    torch.manual_seed(0)
    kind = spec["workload"]
    if kind == "matmul":
        n = spec["size"]
        a, b = torch.randn(n, n), torch.randn(n, n)
        return lambda: torch.mm(a, b)
    if kind == "mlp":
        model = nn.Sequential(nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 128), nn.ReLU(), nn.Linear(128, 10))
        opt = torch.optim.Adam(model.parameters(), lr=1e-3)
        x, y = torch.randn(128, 784), torch.randint(0, 10, (128,))

        def step():
            opt.zero_grad()
            F.cross_entropy(model(x), y).backward()
            opt.step()
        return step
    if kind == "conv":
        x = torch.randn(32, 64, 16, 16, requires_grad=True)
        conv = nn.Conv2d(64, 64, 3, padding=1)

        def step():
            x.grad = None
            conv.zero_grad()
            conv(x).sum().backward()
        return step
    if kind == "lstm":
        lstm = nn.LSTM(64, 128, batch_first=True)
        x = torch.randn(32, 50, 64, requires_grad=True)

        def step():
            x.grad = None
            lstm.zero_grad()
            out, _ = lstm(x)
            out.sum().backward()
        return step
    raise ValueError(f"unknown workload {kind}")


def read_idx(path):
    with gzip.open(path, "rb") as f:
        data = f.read()
    dims = data[3]
    shape = [int.from_bytes(data[4 + 4 * i: 8 + 4 * i], "big") for i in range(dims)]
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * dims).reshape(shape)


def lenet_epoch(spec):
    d = spec["dir"]
    x_train = torch.from_numpy(read_idx(f"{d}/train-images-idx3-ubyte.gz").astype(np.float32) / 255).unsqueeze(1)
    y_train = torch.from_numpy(read_idx(f"{d}/train-labels-idx1-ubyte.gz").astype(np.int64))
    x_test = torch.from_numpy(read_idx(f"{d}/t10k-images-idx3-ubyte.gz").astype(np.float32) / 255).unsqueeze(1)
    y_test = torch.from_numpy(read_idx(f"{d}/t10k-labels-idx1-ubyte.gz").astype(np.int64))
    torch.manual_seed(0)
    model = lenet()
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    batch = 64
    limit = spec.get("limit") or len(x_train)
    order = torch.randperm(len(x_train))[:limit]
    start = time.perf_counter()
    for i in range(0, len(order), batch):
        idx = order[i:i + batch]
        opt.zero_grad()
        F.cross_entropy(model(x_train[idx]), y_train[idx]).backward()
        opt.step()
    seconds = time.perf_counter() - start
    with torch.no_grad():
        correct = (model(x_test).argmax(1) == y_test).sum().item()
    return {"seconds": seconds, "images": len(order), "accuracy": correct / len(y_test)}


def main():
    step = None
    for line in sys.stdin:
        msg = json.loads(line)
        cmd = msg["cmd"]
        try:
            if cmd == "info":
                reply = {"torch": torch.__version__, "numpy": np.__version__, "threads": torch.get_num_threads()}
            elif cmd == "setup":
                torch.set_num_threads(msg.get("threads", torch.get_num_threads()))
                step = setup(msg)
                reply = {"ok": True}
            elif cmd == "run":
                times = []
                for _ in range(msg["reps"]):
                    t0 = time.perf_counter()
                    step()
                    times.append((time.perf_counter() - t0) * 1000)
                reply = {"times": times}
            elif cmd == "epoch":
                torch.set_num_threads(msg.get("threads", torch.get_num_threads()))
                reply = lenet_epoch(msg)
            else:
                reply = {"error": f"unknown command {cmd}"}
        except Exception as error:  # reported to the harness, which prints it in the results
            reply = {"error": f"{type(error).__name__}: {error}"}
        sys.stdout.write(json.dumps(reply) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
