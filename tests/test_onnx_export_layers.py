"""Every kind of ember.nn layer exports: each verifies with onnxruntime against ember at the
traced batch size and at others (ember.onnx.verify, dim 0 of each input dynamic)."""
import pytest

import ember
from ember import nn

pytest.importorskip("onnx")
pytest.importorskip("onnxruntime")


def _x2():
    return ember.randn(3, 4)


def _x3():
    return ember.randn(2, 4, 6)


def _x4():
    return ember.randn(2, 4, 6, 6)


LAYERS = {
    "ELU": (lambda: nn.ELU(0.5), _x2), "SELU": (nn.SELU, _x2), "CELU": (nn.CELU, _x2), "GELU": (nn.GELU, _x2),
    "GELU_tanh": (lambda: nn.GELU("tanh"), _x2), "SiLU": (nn.SiLU, _x2), "Mish": (nn.Mish, _x2),
    "Hardswish": (nn.Hardswish, _x2), "Hardsigmoid": (nn.Hardsigmoid, _x2), "Hardtanh": (lambda: nn.Hardtanh(-2, 1), _x2),
    "ReLU6": (nn.ReLU6, _x2), "LeakyReLU": (lambda: nn.LeakyReLU(0.2), _x2), "LogSigmoid": (nn.LogSigmoid, _x2),
    "Softplus": (lambda: nn.Softplus(2.0, 1.0), _x2), "Softsign": (nn.Softsign, _x2), "Tanhshrink": (nn.Tanhshrink, _x2),
    "Threshold": (lambda: nn.Threshold(0.1, 2.0), _x2), "PReLU_channels": (lambda: nn.PReLU(4), _x4),
    "PReLU": (nn.PReLU, _x2), "GLU": (nn.GLU, _x2), "Hardshrink": (nn.Hardshrink, _x2), "Softshrink": (nn.Softshrink, _x2),
    "Softmin": (lambda: nn.Softmin(1), _x2), "LogSoftmax": (lambda: nn.LogSoftmax(1), _x2), "Sigmoid": (nn.Sigmoid, _x2),
    "Tanh": (nn.Tanh, _x2), "Identity": (nn.Identity, _x2), "Flatten": (nn.Flatten, _x4),
    "Unflatten": (lambda: nn.Unflatten(1, (2, 2)), _x2),
    "MaxPool1d": (lambda: nn.MaxPool1d(2), _x3), "AvgPool1d": (lambda: nn.AvgPool1d(3, 1, 1), _x3),
    "MaxPool2d": (lambda: nn.MaxPool2d(3, 2, 1), _x4), "MaxPool2d_ceil": (lambda: nn.MaxPool2d(2, ceil_mode=True), _x4),
    "AvgPool2d": (lambda: nn.AvgPool2d(2, count_include_pad=False, padding=1), _x4),
    "AdaptiveAvgPool1d": (lambda: nn.AdaptiveAvgPool1d(3), _x3), "AdaptiveMaxPool2d": (lambda: nn.AdaptiveMaxPool2d(1), _x4),
    "AdaptiveMaxPool1d": (lambda: nn.AdaptiveMaxPool1d(2), _x3), "AdaptiveAvgPool2d": (lambda: nn.AdaptiveAvgPool2d((3, 2)), _x4),
    "BatchNorm1d_2d": (lambda: nn.BatchNorm1d(4), _x2), "BatchNorm1d_3d": (lambda: nn.BatchNorm1d(4), _x3),
    "BatchNorm2d": (lambda: nn.BatchNorm2d(4, affine=False), _x4), "LayerNorm": (lambda: nn.LayerNorm([6, 6]), _x4),
    "GroupNorm": (lambda: nn.GroupNorm(2, 4), _x3), "RMSNorm": (lambda: nn.RMSNorm(4), _x2),
    "Dropout1d": (nn.Dropout1d, _x3), "Dropout2d": (nn.Dropout2d, _x4), "AlphaDropout": (nn.AlphaDropout, _x2),
    "Upsample_nearest": (lambda: nn.Upsample(scale_factor=2), _x4),
    "Upsample_bilinear": (lambda: nn.Upsample(size=(9, 9), mode="bilinear", align_corners=True), _x4),
    "Upsample_linear": (lambda: nn.Upsample(scale_factor=1.5, mode="linear"), _x3),
    "UpsamplingNearest2d": (lambda: nn.UpsamplingNearest2d(scale_factor=2), _x4),
    "PixelShuffle": (lambda: nn.PixelShuffle(2), _x4), "PixelUnshuffle": (lambda: nn.PixelUnshuffle(2), _x4),
    "Conv1d_dilated": (lambda: nn.Conv1d(4, 2, 3, dilation=2), _x3),
    "ConvTranspose1d": (lambda: nn.ConvTranspose1d(4, 2, 3, stride=2), _x3),
    "Conv2d_depthwise": (lambda: nn.Conv2d(4, 4, 3, groups=4, padding="same"), _x4),
    "ConvTranspose2d_groups": (lambda: nn.ConvTranspose2d(4, 2, 3, groups=2, dilation=2), _x4),
    "RNNCell": (lambda: nn.RNNCell(4, 3), _x2), "LSTMCell": (lambda: nn.LSTMCell(4, 3), _x2),
    "GRUCell": (lambda: nn.GRUCell(4, 3), _x2), "RNN_relu": (lambda: nn.RNN(6, 3, nonlinearity="relu"), _x3),
    "Embedding": (lambda: nn.Embedding(10, 3, padding_idx=0), lambda: ember.tensor([[1, 2, 0], [3, 4, 9]])),
}


@pytest.mark.parametrize("name", sorted(LAYERS))
def test_layer_verifies(name):
    build, make_input = LAYERS[name]
    ember.manual_seed(0)
    layer = build().eval()
    report = ember.onnx.verify(layer, (make_input(),), runtimes=("onnxruntime",))
    assert report.ok and len({row[0] for row in report.rows}) == 3


def test_transformer_stacks_verify_at_other_sequence_lengths():
    ember.manual_seed(0)
    for layer in (nn.TransformerDecoderLayer(8, 2, 16), nn.Transformer(8, 2, 1, 1, 16)):
        report = ember.onnx.verify(layer.eval(), (ember.randn(3, 2, 8), ember.randn(5, 2, 8)),
                                   runtimes=("onnxruntime",))
        assert report.ok


def test_bilinear_verifies():
    layer = nn.Bilinear(4, 3, 2).eval()
    assert ember.onnx.verify(layer, (ember.randn(3, 4), ember.randn(3, 3))).ok
