"""Train a small CNN on the handwritten digits that ship with ember: the demo's training, as a
short script to read and change. Run: python examples/train_digits.py"""
import ember
from ember import nn
from ember.utils.data import DataLoader, TensorDataset

ember.manual_seed(0)

# 1,797 8x8 images in [0, 1]; hold out one fifth.
images, labels = ember.datasets.load_digits()
images = images.unsqueeze(1)  # (N, 1, 8, 8): one input channel
order = ember.randperm(len(labels))
test, train = order[:360], order[360:]
train_loader = DataLoader(TensorDataset(images[train], labels[train]), batch_size=32, shuffle=True)

model = nn.Sequential(
    nn.Conv2d(1, 16, 3, padding=1), nn.BatchNorm2d(16), nn.ReLU(),
    nn.Conv2d(16, 32, 3, padding=1), nn.BatchNorm2d(32), nn.ReLU(),
    nn.MaxPool2d(2), nn.Flatten(),
    nn.Linear(32 * 4 * 4, 64), nn.ReLU(), nn.Linear(64, 10))
optimizer = ember.optim.Adam(model.parameters(), lr=3e-3)
loss_fn = nn.CrossEntropyLoss()

for epoch in range(10):
    model.train()
    for x, y in train_loader:
        optimizer.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        optimizer.step()
    model.eval()
    with ember.no_grad():
        predictions = model(images[test]).argmax(dim=1)
    accuracy = (predictions == labels[test]).float().mean().item()
    print(f"epoch {epoch + 1}: last batch loss {loss.item():.4f}, held-out accuracy {accuracy:.1%}")

ember.save(model.state_dict(), "digits_cnn.pt")
