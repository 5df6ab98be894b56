"""PyTorch's side of `npm run bench`: one process per contender and workload, speaking the
harness's protocol (bench/harness.ts) in JSON lines on stdin/stdout (replies prefixed "@bench "):

  {"cmd": "info"}                            -> versions, build, the thread pools threadpoolctl sees
  {"cmd": "setup", "workload": ..., ...}     -> builds the workload
  {"cmd": "run", "warmup": W, "reps": R, "settleMs": S}
                                             -> {"times": [ms, ...]}: W untimed steps, R timed, then a sleep of S ms
  {"cmd": "finish"}                          -> {"result": {...}, "maxRssMiB": m, "idleCpuMs": c}

Usage: torch_worker.py TORCH_THREADS, with OPENBLAS_NUM_THREADS set in the environment by
bench/torch.ts. The workloads are the ones in bench/nabla.ts, written the way a PyTorch user
would write them; to add one, add a builder to WORKLOADS. Optimizers zero gradients with
zero_grad(set_to_none=True), as Nabla's zeroGrad does (PyTorch 1.13's default zeroes in place).
"""
import gzip
import json
import resource
import sys
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

import torch_models

try:
    import threadpoolctl
except ImportError:  # reported as such in "info"
    threadpoolctl = None


def matmul(spec):
    n = spec["size"]
    a, b = torch.randn(n, n), torch.randn(n, n)
    return lambda: torch.mm(a, b)


def mlp(spec):
    model = nn.Sequential(nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 128), nn.ReLU(), nn.Linear(128, 10))
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    x, y = torch.randn(128, 784), torch.randint(0, 10, (128,))

    def step():
        opt.zero_grad(set_to_none=True)
        F.cross_entropy(model(x), y).backward()
        opt.step()
    return step


def conv(spec):
    x = torch.randn(32, 64, 16, 16, requires_grad=True)
    layer = nn.Conv2d(64, 64, 3, padding=1)

    def step():
        x.grad = None
        layer.zero_grad(set_to_none=True)
        layer(x).sum().backward()
    return step


def lstm(spec):
    layer = nn.LSTM(64, 128, batch_first=True)
    x = torch.randn(32, 50, 64, requires_grad=True)

    def step():
        x.grad = None
        layer.zero_grad(set_to_none=True)
        out, _ = layer(x)
        out.sum().backward()
    return step


def lenet_model():
    return nn.Sequential(
        nn.Conv2d(1, 6, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(6, 16, 5), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(),
        nn.Linear(400, 120), nn.ReLU(), nn.Linear(120, 84), nn.ReLU(), nn.Linear(84, 10),
    )


def read_idx(path):
    with gzip.open(path, "rb") as f:
        data = f.read()
    dims = data[3]
    shape = [int.from_bytes(data[4 + 4 * i: 8 + 4 * i], "big") for i in range(dims)]
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * dims).reshape(shape).copy()  # writable, as torch wants


def lenet(spec):
    """LeNet-5 on Fashion-MNIST, Adam 1e-3: each step trains the next chunkBatches batches of a shuffled epoch."""
    d = spec["dir"]
    # uint8 -> float32 once, divided in place: the peak RSS reported is training's, not a loader's temporaries
    images = lambda name: torch.from_numpy(read_idx(f"{d}/{name}")).float().div_(255).unsqueeze(1)
    labels = lambda name: torch.from_numpy(read_idx(f"{d}/{name}").astype(np.int64))
    x_train, y_train = images("train-images-idx3-ubyte.gz"), labels("train-labels-idx1-ubyte.gz")
    x_test, y_test = images("t10k-images-idx3-ubyte.gz"), labels("t10k-labels-idx1-ubyte.gz")
    model = lenet_model()
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    batch, chunk, n = spec["batch"], spec["chunkBatches"], len(x_train)
    state = {"order": torch.randperm(n), "at": 0, "images": 0}

    def step():
        for _ in range(chunk):
            if state["at"] >= n:
                state["order"], state["at"] = torch.randperm(n), 0
            idx = state["order"][state["at"]:state["at"] + batch]
            state["at"] += len(idx)
            state["images"] += len(idx)
            opt.zero_grad(set_to_none=True)
            F.cross_entropy(model(x_train[idx]), y_train[idx]).backward()
            opt.step()

    def finish():
        with torch.no_grad():  # in batches of 1,000, as bench/nabla.ts does
            correct = sum((model(x_test[i:i + 1000]).argmax(1) == y_test[i:i + 1000]).sum().item() for i in range(0, len(x_test), 1000))
        return {"images trained": state["images"], "test accuracy": correct / len(y_test)}
    return step, finish


WORKLOADS = {"matmul": matmul, "mlp": mlp, "conv": conv, "lstm": lstm, "lenet": lenet}
# The model rows (ResNet-18, Transformer encoder layer, batch-1 inference): bench/torch_models.py.
WORKLOADS.update(torch_models.WORKLOADS)


def build_essentials():
    """The lines of torch.__config__.show() that say which kernels run: CPU capability, BLAS, oneDNN, OpenMP."""
    shown = torch.__config__.show()
    head = shown.split("Build settings:")[0]
    keep = [line.strip(" -") for line in head.splitlines() if any(k in line for k in ("CPU capability", "MKL-DNN", "OpenMP"))]
    settings = shown.split("Build settings:")[-1]
    for key in ("BLAS_INFO", "LAPACK_INFO", "USE_MKLDNN", "USE_OPENMP"):
        for part in settings.split(","):
            if part.strip().startswith(key + "="):
                keep.append(part.strip())
    return keep


def info():
    pools = None
    if threadpoolctl is not None:
        pools = [{k: p.get(k) for k in ("internal_api", "prefix", "version", "architecture", "num_threads")}
                 for p in threadpoolctl.threadpool_info()]
    return {
        "torch": torch.__version__, "numpy": np.__version__, "torchThreads": torch.get_num_threads(),
        "mkl": torch.backends.mkl.is_available(), "build": build_essentials(),
        "threadpoolctl": pools if threadpoolctl is not None else "threadpoolctl not importable",
    }


def reply(value):
    sys.stdout.write("@bench " + json.dumps(value) + "\n")
    sys.stdout.flush()


def main():
    torch.set_num_threads(int(sys.argv[1]))
    prepared = None
    idle_cpu = 0.0
    last_reply_cpu = None
    for line in sys.stdin:
        msg = json.loads(line)
        cmd = msg["cmd"]
        try:
            if cmd == "info":
                reply(info())
            elif cmd == "setup":
                builder = WORKLOADS.get(msg["workload"])
                if builder is None:
                    reply({"unsupported": f"no {msg['workload']} workload in bench/torch_worker.py"})
                    continue
                torch.manual_seed(0)
                made = builder(msg)
                prepared = made if isinstance(made, tuple) else (made, None)
                reply({"ok": True})
            elif cmd == "run":
                if last_reply_cpu is not None:
                    idle_cpu += time.process_time() - last_reply_cpu
                step = prepared[0]
                for _ in range(msg.get("warmup", 0)):
                    step()
                times = []
                for _ in range(msg["reps"]):
                    t0 = time.perf_counter()
                    step()
                    times.append((time.perf_counter() - t0) * 1000)
                time.sleep(msg.get("settleMs", 0) / 1000)
                last_reply_cpu = time.process_time()
                reply({"times": times})
            elif cmd == "finish":
                if last_reply_cpu is not None:
                    idle_cpu += time.process_time() - last_reply_cpu
                result = prepared[1]() if prepared is not None and prepared[1] is not None else None
                peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
                reply({"result": result, "maxRssMiB": peak, "idleCpuMs": idle_cpu * 1000})
            else:
                reply({"error": f"unknown command {cmd}"})
        except Exception as error:  # reported to the harness, which prints it in the results
            reply({"error": f"{type(error).__name__}: {error}"})


if __name__ == "__main__":
    main()
