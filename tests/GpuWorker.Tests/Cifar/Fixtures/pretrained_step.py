# PyTorch's side of PretrainedAgainstPyTorchTests, run with Debian 12's python3-torch (1.13):
#   /usr/bin/python3 pretrained_step.py > pretrained_step.json
# Builds the CIFAR VGG19 of recipe=keras (head batch norm, ImageNet means subtracted from 0-255 pixels; dropout 0 so
# that no mask is drawn) in plain PyTorch, fills the layers the reference takes from ImageNet from a torchvision-layout
# vgg19 state_dict by the Keras layer names, and writes the loss and gradients of one training step on one batch,
# computed in float64.
# The state_dict and the batch are made from closed formulas (Values, Pixels) that the C# test computes the same way:
# a 150 MB weights file does not belong in the repository.
import json, math
import torch, torch.nn as nn

LAYOUT = [64, 64, 0, 128, 128, 0, 256, 256, 256, 256, 0, 512, 512, 512, 512, 0, 512, 512, 512, 512]

def hashed(n, ordinal):
    """A multiplicative hash of the element index, exact in integers on both sides: uniform in [0, 2^32)."""
    return (torch.arange(n, dtype=torch.int64) * 2654435761 + ordinal * 40503 + 12345).remainder(2**32)

def values(shape, ordinal):
    return ((hashed(math.prod(shape), ordinal).double() / 2**32 - 0.5) * 0.04).to(torch.float32).reshape(shape)

def torchvision_vgg19():
    """The tensors the reference takes, in its order: 16 convolutions, then fc2 (classifier.3)."""
    state, index, channels, ordinal = {}, 0, 3, 0
    for width in LAYOUT:
        if width == 0:
            index += 1
            continue
        state[f"features.{index}.weight"] = values((width, channels, 3, 3), ordinal); ordinal += 1
        state[f"features.{index}.bias"] = values((width,), ordinal); ordinal += 1
        channels, index = width, index + 2
    state["classifier.3.weight"] = values((4096, 4096), ordinal); ordinal += 1
    state["classifier.3.bias"] = values((4096,), ordinal); ordinal += 1
    return state

class Vgg19Cifar(nn.Module):
    def __init__(self):
        super().__init__()
        layers, c = [], 3
        for r in LAYOUT:
            if r == 0: layers.append(nn.MaxPool2d(2, 2)); continue
            layers += [nn.Conv2d(c, r, 3, padding=1), nn.BatchNorm2d(r), nn.ReLU(inplace=True)]
            c = r
        self.features = nn.Sequential(*layers)
        self.classifier = nn.Sequential(
            nn.Linear(c * 4, 4096), nn.BatchNorm1d(4096), nn.ReLU(inplace=True), nn.Dropout(0),
            nn.Linear(4096, 4096), nn.BatchNorm1d(4096), nn.ReLU(inplace=True), nn.Dropout(0),
            nn.Linear(4096, 10), nn.BatchNorm1d(10))
    def forward(self, x): return self.classifier(torch.flatten(self.features(x), 1))

model = Vgg19Cifar()
file = torchvision_vgg19()
convs = [m for m in model.features if isinstance(m, nn.Conv2d)]
file_convs = sorted({int(k.split(".")[1]) for k in file if k.startswith("features.")})
with torch.no_grad():
    for conv, index in zip(convs, file_convs):  # block1_conv1 ... block5_conv4, by position in the network
        conv.weight.copy_(file[f"features.{index}.weight"]); conv.bias.copy_(file[f"features.{index}.bias"])
    model.classifier[4].weight.copy_(file["classifier.3.weight"]); model.classifier[4].bias.copy_(file["classifier.3.bias"])  # fc2
    # The layers the reference leaves to their initialisation: fixed by formula here and in the test.
    for ordinal, (name, p) in enumerate([("classifier.0.weight", model.classifier[0].weight), ("classifier.0.bias", model.classifier[0].bias),
                                         ("classifier.8.weight", model.classifier[8].weight), ("classifier.8.bias", model.classifier[8].bias)], start=34):
        p.copy_(values(tuple(p.shape), ordinal))

batch = 8
pixels = (hashed(batch * 3 * 32 * 32, 1000) // 2**24).to(torch.float32).reshape(batch, 3, 32, 32)
labels = torch.arange(batch) % 10
images = pixels - torch.tensor([123.680, 116.779, 103.939]).view(1, 3, 1, 1)
# In float64 (the weights and the batch are float32 values): in float32 the 16 batch norms over 8 images make the first
# layers' gradients differ by a few per cent between PyTorch's own float32 and float64, which would hide a real mistake.
model = model.double()
images = images.double()
model.train()
loss = nn.functional.cross_entropy(model(images), labels)
loss.backward()
named = dict(model.named_parameters())
report = {"torch": torch.__version__, "loss": loss.item(), "gradients": {}}
for name in ["features.0.weight", "features.0.bias", "features.23.weight", "features.49.weight", "classifier.0.weight",
             "classifier.4.weight", "classifier.8.weight", "classifier.9.weight", "classifier.9.bias"]:
    g = named[name].grad
    report["gradients"][name] = {"norm": g.norm().item(), "first": g.flatten()[:4].tolist()}
print(json.dumps(report, indent=1))
