"""PyTorch side of `bench style-transfer`: iterations/s of L-BFGS (max_iter 1 per step: one evaluation + one update)
and Adam on the Gatys objective at SIZE×SIZE with a randomly initialised VGG19 and random images.
Usage: style_bench.py [--size 256] [--device cuda] [--iterations 20] [--warmup 3]; last line JSON."""
import argparse, json, time
import torch
p = argparse.ArgumentParser()
p.add_argument("--size", type=int, default=256); p.add_argument("--device", default="cuda")
p.add_argument("--iterations", type=int, default=20); p.add_argument("--warmup", type=int, default=3)
a = p.parse_args()
dev = torch.device(a.device)
torch.manual_seed(0)
cfg = [64, 64, "M", 128, 128, "M", 256, 256, 256, 256, "M", 512, 512, 512, 512, "M", 512, 512, 512, 512]
layers, c = [], 3
for v in cfg:
    if v == "M": layers.append(torch.nn.MaxPool2d(2, 2))
    else: layers += [torch.nn.Conv2d(c, v, 3, padding=1), torch.nn.ReLU()]; c = v
net = torch.nn.Sequential(*layers).to(dev).eval().requires_grad_(False)
relu_index = {}
k = 0
for block, convs in enumerate([2, 2, 4, 4, 4], 1):
    for i in range(1, convs + 1):
        relu_index[f"relu{block}_{i}"] = k + 1; k += 2
    k += 1
style_layers = ["relu1_1", "relu2_1", "relu3_1", "relu4_1", "relu5_1"]; content_layer = "relu4_2"
want = {relu_index[n]: n for n in style_layers + [content_layer]}
def features(x):
    out = {}
    for i, layer in enumerate(net[: max(want) + 1]):
        x = layer(x)
        if i in want: out[want[i]] = x
    return out
def gram(f):
    _, c, h, w = f.shape; m = f.reshape(c, h * w); return m @ m.t() / (h * w * c)
content = torch.randn(1, 3, a.size, a.size, device=dev); style = torch.randn(1, 3, a.size, a.size, device=dev)
with torch.no_grad():
    P = features(content)[content_layer]; A = [gram(features(style)[l]) for l in style_layers]
def total(x):
    f = features(x)
    cl = ((f[content_layer] - P) ** 2).sum()
    sl = sum(((gram(f[l]) - A[i]) ** 2).sum() for i, l in enumerate(style_layers))
    tv = ((x[:, :, :-1, 1:] - x[:, :, :-1, :-1]) ** 2).sum() + ((x[:, :, 1:, :-1] - x[:, :, :-1, :-1]) ** 2).sum()
    return cl + 1e6 * sl + 1e-3 * tv
def rate(kind):
    x = content.clone().requires_grad_(True)
    opt = torch.optim.LBFGS([x], lr=1, max_iter=1, history_size=100) if kind == "lbfgs" else torch.optim.Adam([x], lr=0.05)
    def closure():
        opt.zero_grad(); t = total(x); t.backward(); t.item(); return t  # .item(): the job reads the losses every iteration
    def it():
        if kind == "lbfgs": opt.step(closure)
        else: closure(); opt.step()
    for _ in range(a.warmup): it()
    if dev.type == "cuda": torch.cuda.synchronize()
    t0 = time.perf_counter()
    for _ in range(a.iterations): it()
    if dev.type == "cuda": torch.cuda.synchronize()
    return a.iterations / (time.perf_counter() - t0)
lb, ad = rate("lbfgs"), rate("adam")
print(json.dumps({"impl": "pytorch " + torch.__version__, "size": a.size, "device": a.device,
                  "lbfgs_iterations_per_second": round(lb, 3), "adam_iterations_per_second": round(ad, 3)}))
