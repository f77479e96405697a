"""Trains a tiny classifier on the CPU with a loss written in xent and exported to PyTorch.

    node examples/dist/export-torch/export.js xent_loss.py
    /usr/bin/python3 examples/export-torch/train.py xent_loss.py

The exported module is plain torch ops: PyTorch's autograd differentiates it, torch.optim steps it.
"""
import importlib.util
import sys

import torch


def load(path):
    spec = importlib.util.spec_from_file_location("xent_loss", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def main():
    loss_fn = load(sys.argv[1] if len(sys.argv) > 1 else "xent_loss.py").smoothed_cross_entropy
    torch.manual_seed(0)
    rows, classes, features = 32, 3, 2
    # three Gaussian blobs around the corners of a triangle
    centres = torch.tensor([[2.0, 0.0], [-1.0, 1.7], [-1.0, -1.7]])
    labels = torch.randint(0, classes, (rows * 16,), dtype=torch.int32)
    points = centres[labels.long()] + 0.6 * torch.randn(rows * 16, features)
    probe = torch.randn(rows, classes)
    reference = torch.nn.functional.cross_entropy(probe, labels[:rows].long(), label_smoothing=0.1)
    print(f"against torch's label-smoothed cross_entropy: |difference| {(loss_fn(probe, labels[:rows]) - reference).abs().item():.1e}")
    model = torch.nn.Sequential(torch.nn.Linear(features, 16), torch.nn.Tanh(), torch.nn.Linear(16, classes))
    optimizer = torch.optim.Adam(model.parameters(), lr=0.02)
    first = None
    for epoch in range(20):
        total = 0.0
        for start in range(0, points.shape[0], rows):
            loss = loss_fn(model(points[start:start + rows]), labels[start:start + rows])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            total += loss.item()
        mean = total / (points.shape[0] // rows)
        first = mean if first is None else first
        if epoch % 5 == 4:
            print(f"epoch {epoch + 1:2d}  loss {mean:.4f}")
    with torch.no_grad():
        accuracy = (model(points).argmax(dim=1) == labels.long()).float().mean().item()
    print(f"first epoch loss {first:.4f}, last {mean:.4f}, training accuracy {accuracy:.3f}")


main()
