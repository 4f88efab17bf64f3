# Writes the fixtures of LegacyTorchFileTests with Debian 12's python3-torch (1.13.1):
#   /usr/bin/python3 make_fixtures.py
# legacy.pt: torch.save's format before 1.6 (_use_new_zipfile_serialization=False), views and shared storages
# included; zip.pt: the same tensors in the zip format, each a contiguous copy (TorchSharp.PyBridge refuses a
# tensor that is a view into a larger storage): the test checks that both give the same tensors.
import collections
import torch

torch.manual_seed(7)
net = torch.nn.Sequential(torch.nn.Conv2d(3, 4, 3), torch.nn.BatchNorm2d(4), torch.nn.Flatten(), torch.nn.Linear(5, 2))
state = net.state_dict()  # an OrderedDict with _metadata; num_batches_tracked is a 0-dim int64
base = torch.arange(24, dtype=torch.float64).reshape(4, 6)
state["extra.transposed"] = base.t()              # non-contiguous view
state["extra.slice"] = base[1:3, 2:5]             # offset and strides into the same storage
state["extra.half"] = torch.tensor([0.5, -2.0, 65504.0], dtype=torch.float16)
state["extra.bool"] = torch.tensor([True, False, True])
state["extra.bytes"] = torch.tensor([0, 7, 255], dtype=torch.uint8)
state["extra.int"] = torch.tensor([-3, 2**31 - 1], dtype=torch.int32)
checkpoint = {"model": state, "epoch": 3, "note": "fixture"}
torch.save(checkpoint, "legacy.pt", _use_new_zipfile_serialization=False)
copies = collections.OrderedDict((k, v.contiguous().clone()) for k, v in state.items())
torch.save({"model": copies, "epoch": 3, "note": "fixture"}, "zip.pt")
print(torch.__version__, {k: tuple(v.shape) for k, v in state.items()})
