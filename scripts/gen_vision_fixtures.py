"""torchvision 0.14 references for the vision model zoo (src/vision/models), for test/vision.

Two modes:
  /usr/bin/python3 scripts/gen_vision_fixtures.py
      writes test/fixtures/vision-models.json: each model's parameter count and state-dict keys
      with shapes in order (1000 classes; LeNet-5 with 10), committed.
  /usr/bin/python3 scripts/gen_vision_fixtures.py --goldens DIR
      writes DIR/<case>.safetensors (a seeded model's state dict, BatchNorm statistics and affine
      parameters randomized so eval mode is not an identity; for two cases also as torch.save's
      DIR/<case>.pth) and DIR/<case>.io.safetensors (the
      input, the eval-mode output, for resnet18 create_feature_extractor's outputs of a few nodes,
      and for training cases one training step's loss and a few parameters' gradients). These are large (tens of MB), so the tests generate them into a
      gitignored cache at setup instead of committing them.
LeNet-5 is not in torchvision; its two variants are written here with the same tree as Nabla's.
"""
import contextlib
import json
import pathlib
import sys

import torch
import torchvision.models as tvm
from torch import nn
from torchvision.models.feature_extraction import create_feature_extractor

from fixture_util import FIX, torch_entry, write_safetensors


class LeNet5(nn.Module):
    """'classic': LeCun et al. 1998 with full C3 connectivity (tanh, average pooling, 32x32 input,
    C5 a 5x5 convolution); 'modern': ReLU, max pooling, 28x28 input padded by 2, C5 a Linear."""

    def __init__(self, variant="classic", num_classes=10, in_channels=1):
        super().__init__()
        if variant == "classic":
            self.features = nn.Sequential(
                nn.Conv2d(in_channels, 6, 5), nn.Tanh(), nn.AvgPool2d(2),
                nn.Conv2d(6, 16, 5), nn.Tanh(), nn.AvgPool2d(2),
                nn.Conv2d(16, 120, 5), nn.Tanh())
            self.classifier = nn.Sequential(nn.Linear(120, 84), nn.Tanh(), nn.Linear(84, num_classes))
        else:
            self.features = nn.Sequential(
                nn.Conv2d(in_channels, 6, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
                nn.Conv2d(6, 16, 5), nn.ReLU(), nn.MaxPool2d(2))
            self.classifier = nn.Sequential(
                nn.Linear(400, 120), nn.ReLU(), nn.Linear(120, 84), nn.ReLU(), nn.Linear(84, num_classes))

    def forward(self, x):
        return self.classifier(torch.flatten(self.features(x), 1))


def build(name, **kwargs):
    """The torchvision model for a Nabla zoo name."""
    if name == "lenet5":
        return LeNet5("classic", **kwargs)
    if name == "lenet5Modern":
        return LeNet5("modern", **kwargs)
    if name == "googlenet":
        return tvm.googlenet(aux_logits=False, transform_input=False, init_weights=True, **kwargs)
    snake = "".join("_" + c.lower() if c.isupper() else c for c in name)  # vgg16Bn -> vgg16_bn
    return getattr(tvm, snake)(**kwargs)


MODELS = ["alexnet", "vgg11", "vgg13", "vgg16", "vgg19", "vgg11Bn", "vgg13Bn", "vgg16Bn", "vgg19Bn",
          "resnet18", "resnet34", "resnet50", "resnet101", "resnet152", "googlenet", "mobilenetV2",
          "mobilenetV3Small", "mobilenetV3Large", "lenet5", "lenet5Modern"]

# case name -> (model name, constructor kwargs, input shape, part of the model to keep or None, grads to record)
FEATURE_NODES = {"resnet18": ["layer2", "layer4.1.relu", "layer4.1.relu_1"]}
# also saved with torch.save, as torchvision's published weights are
PTH_CASES = {"resnet18", "googlenet"}
GOLDENS = {
    "resnet18": ("resnet18", {"num_classes": 10}, (2, 3, 64, 64), None,
                 ["conv1.weight", "bn1.weight", "layer1.0.conv2.weight", "layer3.1.bn2.bias", "layer4.0.downsample.0.weight", "fc.weight", "fc.bias"]),
    "resnet50": ("resnet50", {"num_classes": 10}, (1, 3, 32, 32), None, []),
    "googlenet": ("googlenet", {"num_classes": 10}, (1, 3, 32, 32), None, []),
    "mobilenetV2": ("mobilenetV2", {"num_classes": 10, "dropout": 0.0}, (2, 3, 64, 64), None,
                    ["features.0.0.weight", "features.1.conv.0.0.weight", "features.4.conv.1.1.weight", "features.18.1.bias", "classifier.1.weight"]),
    "mobilenetV2Half": ("mobilenetV2", {"num_classes": 10, "width_mult": 0.5}, (1, 3, 32, 32), None, []),
    "mobilenetV3Small": ("mobilenetV3Small", {"num_classes": 10}, (1, 3, 32, 32), None, []),
    "mobilenetV3Large": ("mobilenetV3Large", {"num_classes": 10}, (1, 3, 32, 32), None, []),
    "lenet5": ("lenet5", {"num_classes": 10}, (2, 1, 32, 32), None, []),
    "lenet5Modern": ("lenet5Modern", {"num_classes": 10}, (2, 1, 28, 28), None, []),
    # The classifiers of AlexNet and VGG hold most of their weights (hundreds of MB): their keys
    # and shapes are checked from vision-models.json, their convolutional features here.
    "alexnetFeatures": ("alexnet", {"num_classes": 10}, (1, 3, 63, 63), "features", []),
    "vgg11BnFeatures": ("vgg11Bn", {"num_classes": 10}, (1, 3, 32, 32), "features", []),
}


@contextlib.contextmanager
def without_init():
    """Layers and torch.nn.init leave weights uninitialized: keys, shapes and counts need no values,
    and VGG's 138M random draws would take most of the run (npm test regenerates this file)."""
    saved = [(owner, name, getattr(owner, name)) for owner, names in (
        (nn.Linear, ["reset_parameters"]), (nn.modules.conv._ConvNd, ["reset_parameters"]),
        (nn.init, ["kaiming_normal_", "normal_", "constant_", "zeros_", "ones_", "trunc_normal_"])) for name in names]
    for owner, name, _ in saved:
        setattr(owner, name, lambda *args, **kwargs: None)
    try:
        yield
    finally:
        for owner, name, fn in saved:
            setattr(owner, name, fn)


def structure():
    out = {}
    for name in MODELS:
        with without_init():
            model = build(name, **({"num_classes": 10} if name.startswith("lenet") else {}))
        out[name] = {
            "params": sum(p.numel() for p in model.parameters()),
            "keys": [[k, list(v.shape)] for k, v in model.state_dict().items()],
        }
        print(name, out[name]["params"])
    (FIX / "vision-models.json").write_text(json.dumps(out, separators=(",", ":")) + "\n")


def randomize_batch_norm(model):
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, nn.BatchNorm2d):
                m.running_mean.uniform_(-0.5, 0.5)
                m.running_var.uniform_(0.5, 1.5)
                m.weight.uniform_(0.5, 1.5)
                m.bias.uniform_(-0.2, 0.2)


def goldens(out_dir):
    out_dir.mkdir(parents=True, exist_ok=True)
    for case, (name, kwargs, shape, part, grads) in GOLDENS.items():
        torch.manual_seed(0)
        model = build(name, **kwargs)
        randomize_batch_norm(model)
        if part is not None:
            model = getattr(model, part)
        state = {k: torch_entry(v) for k, v in model.state_dict().items()}
        write_safetensors(out_dir / f"{case}.safetensors", state)
        if case in PTH_CASES:
            torch.save(model.state_dict(), out_dir / f"{case}.pth")
        x = torch.randn(*shape)
        model.eval()
        with torch.no_grad():
            io = {"input": torch_entry(x), "output": torch_entry(model(x))}
            if case in FEATURE_NODES:
                features = create_feature_extractor(model, FEATURE_NODES[case])(x)
                io.update({f"feature.{k}": torch_entry(v) for k, v in features.items()})
        if grads:
            model.train()
            target = torch.arange(shape[0]) % 10
            loss = nn.functional.cross_entropy(model(x), target)
            loss.backward()
            io["loss"] = torch_entry(loss.reshape(1))
            params = dict(model.named_parameters())
            for g in grads:
                io[f"grad.{g}"] = torch_entry(params[g].grad)
        write_safetensors(out_dir / f"{case}.io.safetensors", io)


if __name__ == "__main__":
    torch.set_num_threads(1)
    if len(sys.argv) == 3 and sys.argv[1] == "--goldens":
        goldens(pathlib.Path(sys.argv[2]))
    else:
        structure()
