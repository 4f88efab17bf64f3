"""PyTorch side of `bench cifar-vgg19` (a): training images/s of forward + backward + SGD (Nesterov, momentum 0.9,
weight decay 5e-4) of the reference CIFAR VGG19 (conv-BN-ReLU ×16, 4 pools, 4096-4096 classifier with BN and
dropout) on one resident batch, TF32 allowed as in the Atelier benchmark. Usage: cifar_bench.py [--batch 128]
[--width 1.0] [--steps 20] [--rounds 3] [--warmup 3] [--device cuda]; last line JSON."""
import argparse, json, time
import torch, torch.nn as nn
p = argparse.ArgumentParser()
p.add_argument("--batch", type=int, default=128); p.add_argument("--width", type=float, default=1.0)
p.add_argument("--steps", type=int, default=20); p.add_argument("--rounds", type=int, default=3)
p.add_argument("--warmup", type=int, default=3); p.add_argument("--device", default="cuda")
a = p.parse_args()
torch.backends.cuda.matmul.allow_tf32 = True; torch.backends.cudnn.allow_tf32 = True
dev = torch.device(a.device)
S = lambda c: max(1, int(c * a.width + 0.5))
layers, c = [], 3
for v in [64, 64, 0, 128, 128, 0, 256, 256, 256, 256, 0, 512, 512, 512, 512, 0, 512, 512, 512, 512]:
    if v == 0: layers.append(nn.MaxPool2d(2, 2)); continue
    layers += [nn.Conv2d(c, S(v), 3, padding=1), nn.BatchNorm2d(S(v)), nn.ReLU(inplace=True)]; c = S(v)
h = S(4096)
model = nn.Sequential(*layers, nn.Flatten(), nn.Linear(c * 4, h), nn.BatchNorm1d(h), nn.ReLU(True), nn.Dropout(0.5),
                      nn.Linear(h, h), nn.BatchNorm1d(h), nn.ReLU(True), nn.Dropout(0.5), nn.Linear(h, 10)).to(dev).train()
opt = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9, nesterov=True, weight_decay=5e-4)
x = torch.randn(a.batch, 3, 32, 32, device=dev); y = torch.randint(0, 10, (a.batch,), device=dev)
def step():
    opt.zero_grad(set_to_none=True)
    loss = nn.functional.cross_entropy(model(x), y); loss.backward(); opt.step()
for _ in range(a.warmup): step()
best = 0.0
for _ in range(a.rounds):
    if dev.type == "cuda": torch.cuda.synchronize()
    t0 = time.perf_counter()
    for _ in range(a.steps): step()
    if dev.type == "cuda": torch.cuda.synchronize()
    best = max(best, a.steps * a.batch / (time.perf_counter() - t0))
print(json.dumps({"impl": "pytorch " + torch.__version__, "device": a.device, "width": a.width, "batch": a.batch,
                  "images_per_second_compute": round(best, 1)}))
