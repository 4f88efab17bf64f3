"""Writes a style-transfer test case the way a PyTorch user would have one: a VGG19 state_dict saved by
torch.save (torchvision's vgg19(), randomly initialised: nothing is downloaded), a photo-like JPEG content
image and a PNG style image. Usage: style_case.py OUT_DIR [--width W --height H --seed S]"""
import argparse, os
import numpy as np
import torch
from PIL import Image

p = argparse.ArgumentParser()
p.add_argument("out")
p.add_argument("--width", type=int, default=320)
p.add_argument("--height", type=int, default=240)
p.add_argument("--seed", type=int, default=7)
a = p.parse_args()
os.makedirs(a.out, exist_ok=True)
torch.manual_seed(a.seed)
try:
    import torchvision
    model = torchvision.models.vgg19(weights=None)
    state = model.state_dict()
    source = f"torchvision {torchvision.__version__} vgg19(weights=None)"
except ImportError:  # the same layout by hand, torchvision's init (kaiming_normal_ fan_out, zero bias)
    cfg = [64, 64, "M", 128, 128, "M", 256, 256, 256, 256, "M", 512, 512, 512, 512, "M", 512, 512, 512, 512, "M"]
    layers, c = [], 3
    for v in cfg:
        if v == "M":
            layers.append(torch.nn.MaxPool2d(2, 2))
        else:
            conv = torch.nn.Conv2d(c, v, 3, padding=1)
            torch.nn.init.kaiming_normal_(conv.weight, mode="fan_out", nonlinearity="relu")
            torch.nn.init.zeros_(conv.bias)
            layers += [conv, torch.nn.ReLU(inplace=True)]
            c = v
    state = {f"features.{k}": t for k, t in torch.nn.Sequential(*layers).state_dict().items()}
    state["classifier.6.weight"] = torch.randn(1000, 4096) * 0.01  # an unused key, as in torchvision's file
    source = "hand-built torchvision layout (no torchvision installed)"
torch.save(state, os.path.join(a.out, "vgg19.pth"))

rng = np.random.default_rng(a.seed)
def field(h, w, scale):
    small = rng.random((h // scale + 2, w // scale + 2, 3)).astype(np.float32)
    img = Image.fromarray((small * 255).astype(np.uint8)).resize((w, h), Image.BICUBIC)
    return np.asarray(img).astype(np.float32)
h, w = a.height, a.width
yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
sky = np.stack([90 + 80 * yy / h, 140 + 60 * yy / h, 230 - 50 * yy / h], -1)
content = 0.6 * sky + 0.4 * field(h, w, 12) + rng.normal(0, 6, (h, w, 3))  # smooth scene plus sensor noise
content[int(h * 0.6):] = 0.5 * content[int(h * 0.6):] + 0.5 * field(h, w, 4)[int(h * 0.6):] * [0.5, 0.8, 0.4]
Image.fromarray(np.clip(content, 0, 255).astype(np.uint8)).save(os.path.join(a.out, "content.jpg"), quality=90)
style = field(h, w, 3) * 0.7 + 0.3 * (128 + 127 * np.sin(xx / 7 + yy / 11))[..., None]
Image.fromarray(np.clip(style, 0, 255).astype(np.uint8)).save(os.path.join(a.out, "style.png"))
print(f"wrote {a.out}: vgg19.pth ({source}), content.jpg and style.png {w}x{h}")
