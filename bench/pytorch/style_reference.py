"""The Gatys objective exactly as issue 4 defines it, in PyTorch: writes one JSON line per step
{step, content_loss, style_loss, tv_loss, total_loss}, step 0 evaluated before the first update; one iteration
is one loss+gradient evaluation and one update (L-BFGS lr 1 with max_iter 1 per step call, or Adam).
Usage: style_reference.py --content C --style S --vgg W.pth --out metrics.jsonl [--device cpu|cuda]
       [--iterations N] [--optimizer lbfgs|adam] [--lr LR] [--no-tf32]"""
import argparse, json
import numpy as np
import torch
from PIL import Image

p = argparse.ArgumentParser()
p.add_argument("--content", required=True); p.add_argument("--style", required=True)
p.add_argument("--vgg", required=True); p.add_argument("--out", required=True)
p.add_argument("--device", default="cpu"); p.add_argument("--iterations", type=int, default=10)
p.add_argument("--optimizer", default="lbfgs"); p.add_argument("--lr", type=float, default=None)
p.add_argument("--content-weight", type=float, default=1.0); p.add_argument("--style-weight", type=float, default=1e6)
p.add_argument("--tv-weight", type=float, default=1e-3); p.add_argument("--no-tf32", action="store_true")
p.add_argument("--size", type=int, default=0, help="the content image's longer side (PIL bilinear resize); 0: as it is")
a = p.parse_args()
if a.no_tf32:
    torch.backends.cudnn.allow_tf32 = False
    torch.backends.cuda.matmul.allow_tf32 = False
dev = torch.device(a.device)
NAMES = []
for block, convs in enumerate([2, 2, 4, 4, 4], 1):
    for i in range(1, convs + 1):
        NAMES += [f"conv{block}_{i}", f"relu{block}_{i}"]
    NAMES.append(f"pool{block}")
cfg = [64, 64, "M", 128, 128, "M", 256, 256, 256, 256, "M", 512, 512, 512, 512, "M", 512, 512, 512, 512, "M"]
layers, c = [], 3
for v in cfg:
    if v == "M": layers.append(torch.nn.MaxPool2d(2, 2))
    else: layers += [torch.nn.Conv2d(c, v, 3, padding=1), torch.nn.ReLU()]; c = v
net = torch.nn.Sequential(*layers)
state = torch.load(a.vgg, map_location="cpu")
net.load_state_dict({k[len("features."):]: t for k, t in state.items() if k.startswith("features.")})
net = net.to(dev).eval().requires_grad_(False)

def load(path, size=None, longer=0):
    img = Image.open(path).convert("RGB")
    if longer and max(img.size) != longer:
        scale = longer / max(img.size)
        size = tuple(longer if s == max(img.size) else max(1, int(s * scale + 0.5)) for s in img.size)
    if size is not None and img.size != size: img = img.resize(size, Image.BILINEAR)
    x = torch.from_numpy(np.asarray(img, dtype=np.float32) / 255).permute(2, 0, 1)[None]
    mean = torch.tensor([0.485, 0.456, 0.406]).view(1, 3, 1, 1); std = torch.tensor([0.229, 0.224, 0.225]).view(1, 3, 1, 1)
    return ((x - mean) / std).contiguous().to(dev), img.size
content, size = load(a.content, longer=a.size)
style, _ = load(a.style, size)
content_layer, style_layers = "relu4_2", ["relu1_1", "relu2_1", "relu3_1", "relu4_1", "relu5_1"]
want = set(style_layers + [content_layer]); last = max(NAMES.index(n) for n in want)
def features(x):
    out = {}
    for i, layer in enumerate(net[: last + 1]):
        x = layer(x)
        if NAMES[i] in want: out[NAMES[i]] = x
    return out
def gram(f):
    _, c, h, w = f.shape
    m = f.reshape(c, h * w)
    return m @ m.t() / (h * w * c)
with torch.no_grad():
    P = features(content)[content_layer]
    A = [gram(features(style)[l]) for l in style_layers]
def terms(x):
    f = features(x)
    cl = ((f[content_layer] - P) ** 2).sum()
    sl = sum(((gram(f[l]) - A[i]) ** 2).sum() for i, l in enumerate(style_layers))
    tv = ((x[:, :, :-1, 1:] - x[:, :, :-1, :-1]) ** 2).sum() + ((x[:, :, 1:, :-1] - x[:, :, :-1, :-1]) ** 2).sum()
    return cl, sl, tv, a.content_weight * cl + a.style_weight * sl + a.tv_weight * tv
x = content.clone().requires_grad_(True)
lr = a.lr if a.lr is not None else (1.0 if a.optimizer == "lbfgs" else 0.05)
opt = torch.optim.LBFGS([x], lr=lr, max_iter=1, history_size=100) if a.optimizer == "lbfgs" else torch.optim.Adam([x], lr=lr)
rows = []
def record(step, t):
    rows.append({"step": step, **{k: float(v) for k, v in zip(["content_loss", "style_loss", "tv_loss", "total_loss"], t)}})
for step in range(a.iterations):
    def closure():
        opt.zero_grad()
        t = terms(x)
        t[3].backward()
        record(step, [v.detach() for v in t])
        return t[3]
    if a.optimizer == "lbfgs": opt.step(closure)
    else: closure(); opt.step()
with torch.no_grad(): record(a.iterations, terms(x))
with open(a.out, "w") as f:
    for r in rows: f.write(json.dumps(r) + "\n")
print(json.dumps({"reference": a.out, "device": a.device, "tf32": not a.no_tf32, "step0": rows[0]}))
