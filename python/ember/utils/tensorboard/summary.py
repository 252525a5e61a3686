"""Summary protobufs from ember tensors, numpy arrays and Python numbers: what SummaryWriter's
add_* methods write (the formats TensorBoard's scalar, histogram, image, text and hparams
dashboards read)."""
import struct
import zlib

import numpy as np
from tensorboard.compat.proto.summary_pb2 import HistogramProto, Summary, SummaryMetadata
from tensorboard.compat.proto.tensor_pb2 import TensorProto
from tensorboard.compat.proto.tensor_shape_pb2 import TensorShapeProto


def to_numpy(value):
    """An ember tensor, numpy array or Python number as a numpy array (float32 for bfloat16)."""
    detach = getattr(value, "detach", None)
    if detach is not None and hasattr(value, "_impl"):
        t = detach()
        if str(t.dtype).endswith("bfloat16"):
            t = t.float()
        if t.device.type != "cpu":
            t = t.cpu()
        return t.numpy()
    return np.asarray(value)


def scalar_value(value, name="add_scalar"):
    arr = to_numpy(value)
    if arr.size != 1:
        raise ValueError(f"{name}: the scalar value must hold one element, got shape {arr.shape}")
    return float(arr.reshape(()))


def scalar(tag, value):
    return Summary(value=[Summary.Value(tag=tag, simple_value=scalar_value(value))])


def default_bins():
    """TensorFlow's default histogram buckets: +-1e-12 growing by 10% to 1e20, and 0."""
    positive = 1e-12 * 1.1 ** np.arange(int(np.ceil(np.log(1e32) / np.log(1.1))))
    positive = positive[positive < 1e20]
    return np.concatenate([-positive[::-1], [0.0], positive])


def histogram(tag, values, bins="tensorflow", max_bins=None):
    values = to_numpy(values).astype(np.float64).reshape(-1)
    if values.size == 0:
        raise ValueError(f"add_histogram: the values of {tag!r} are empty")
    if not np.isfinite(values).all():
        raise ValueError(f"add_histogram: the values of {tag!r} hold NaN or infinity")
    edges = default_bins() if isinstance(bins, str) and bins == "tensorflow" else bins
    counts, limits = np.histogram(values, bins=edges)
    if max_bins is not None and len(counts) > max_bins:  # merge neighbours down to max_bins
        group = -(-len(counts) // max_bins)
        pad = -len(counts) % group
        counts = np.pad(counts, (0, pad)).reshape(-1, group).sum(axis=1)
        limits = np.concatenate([limits[:-1:group], limits[-1:]])
    nonzero = np.flatnonzero(counts)
    first, last = (nonzero[0], nonzero[-1] + 1) if nonzero.size else (0, len(counts))
    proto = HistogramProto(min=float(values.min()), max=float(values.max()), num=int(values.size),
                           sum=float(values.sum()), sum_squares=float(values.dot(values)),
                           bucket_limit=limits[first + 1:last + 1].tolist(),
                           bucket=counts[first:last].astype(np.float64).tolist())
    return Summary(value=[Summary.Value(tag=tag, histo=proto)])


def _to_hwc(image, dataformats):
    """An image array in `dataformats` (CHW, HWC, HW, ...) as HWC with 1, 3 or 4 channels."""
    dataformats = dataformats.upper()
    if len(dataformats) != image.ndim or sorted(dataformats) != sorted(set(dataformats)) \
            or not set(dataformats) <= set("CHW"):
        raise ValueError(f"add_image: dataformats {dataformats!r} do not describe an image of shape "
                         f"{image.shape}")
    if "C" not in dataformats:
        image, dataformats = image[..., None], dataformats + "C"
    image = np.transpose(image, [dataformats.index(d) for d in "HWC"])
    if image.shape[2] == 1:
        image = np.repeat(image, 3, axis=2)
    if image.shape[2] not in (3, 4):
        raise ValueError(f"add_image: an image needs 1, 3 or 4 channels, got {image.shape[2]}")
    return image


def png(image):
    """PNG bytes of an HWC uint8 array (3 or 4 channels): zlib-compressed rows, filter 0."""
    height, width, channels = image.shape

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    rows = np.concatenate([np.zeros((height, 1), np.uint8), image.reshape(height, -1)], axis=1)
    header = struct.pack(">IIBBBBB", width, height, 8, 2 if channels == 3 else 6, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows.tobytes()))
            + chunk(b"IEND", b""))


def grid(images, dataformats="NCHW", ncols=8):
    """A batch of images (N first in `dataformats`) tiled into one CHW image, `ncols` per row
    (torch.utils.tensorboard's layout for add_images)."""
    dataformats = dataformats.upper()
    if images.ndim != len(dataformats) or dataformats[0] != "N":
        raise ValueError(f"add_images: dataformats {dataformats!r} must start with N and describe the "
                         f"batch's shape {images.shape}")
    hwc = np.stack([_to_hwc(one, dataformats[1:]) for one in images]) if len(images) else \
        np.zeros((0, 1, 1, 3), images.dtype)
    n, h, w, c = hwc.shape
    ncols = max(1, min(n, ncols))
    nrows = -(-n // ncols)
    canvas = np.zeros((max(nrows, 1) * h, ncols * w, c), hwc.dtype)
    for i in range(n):
        row, col = divmod(i, ncols)
        canvas[row * h:(row + 1) * h, col * w:(col + 1) * w] = hwc[i]
    return canvas.transpose(2, 0, 1)


def image(tag, img, dataformats="CHW"):
    arr = to_numpy(img)
    # floats are taken to lie in [0, 1] and uint8 in [0, 255], as in torch.utils.tensorboard
    scale = 1.0 if arr.dtype == np.uint8 else 255.0
    hwc = _to_hwc(arr, dataformats)
    pixels = np.clip(hwc.astype(np.float64) * scale + (0.5 if scale != 1.0 else 0.0), 0, 255).astype(np.uint8)
    height, width, channels = pixels.shape
    proto = Summary.Image(height=height, width=width, colorspace=channels, encoded_image_string=png(pixels))
    return Summary(value=[Summary.Value(tag=tag, image=proto)])


def text(tag, text_string):
    metadata = SummaryMetadata(plugin_data=SummaryMetadata.PluginData(plugin_name="text"))
    tensor = TensorProto(dtype="DT_STRING", string_val=[text_string.encode("utf-8")],
                         tensor_shape=TensorShapeProto(dim=[TensorShapeProto.Dim(size=1)]))
    return Summary(value=[Summary.Value(tag=tag + "/text_summary", metadata=metadata, tensor=tensor)])


def hparams(hparam_dict, metric_dict, hparam_domain_discrete=None):
    """The three summaries of the hparams plugin: the experiment (which hyperparameters and
    metrics exist), the session's start (its values) and its end."""
    from google.protobuf import struct_pb2
    from tensorboard.plugins.hparams import api_pb2, metadata, plugin_data_pb2

    if not isinstance(hparam_dict, dict) or not isinstance(metric_dict, dict):
        raise TypeError("add_hparams: hparam_dict and metric_dict must be dicts")
    hparam_domain_discrete = hparam_domain_discrete or {}
    for key, domain in hparam_domain_discrete.items():
        if key not in hparam_dict or not isinstance(domain, list) \
                or not all(isinstance(d, type(hparam_dict[key])) for d in domain):
            raise TypeError(f"add_hparams: hparam_domain_discrete[{key!r}] must be a list of values of "
                            "the type of hparam_dict's entry")
    start = plugin_data_pb2.SessionStartInfo()
    infos = []
    for key, value in hparam_dict.items():
        info = api_pb2.HParamInfo(name=key)
        if isinstance(value, bool):
            start.hparams[key].bool_value = value
            info.type = api_pb2.DATA_TYPE_BOOL
        elif isinstance(value, (int, float)):
            start.hparams[key].number_value = float(value)
            info.type = api_pb2.DATA_TYPE_FLOAT64
        elif isinstance(value, str):
            start.hparams[key].string_value = value
            info.type = api_pb2.DATA_TYPE_STRING
        elif hasattr(value, "_impl") or isinstance(value, np.ndarray):
            start.hparams[key].number_value = scalar_value(value, "add_hparams")
            info.type = api_pb2.DATA_TYPE_FLOAT64
        else:
            raise ValueError(f"add_hparams: the value of {key!r} should be one of int, float, str, bool "
                             f"or a one-element tensor, got {type(value).__name__}")
        if key in hparam_domain_discrete:
            info.domain_discrete.extend([struct_pb2.Value(bool_value=d) if isinstance(d, bool) else
                                         struct_pb2.Value(number_value=d) if isinstance(d, (int, float)) else
                                         struct_pb2.Value(string_value=d) for d in hparam_domain_discrete[key]])
        infos.append(info)
    experiment = api_pb2.Experiment(hparam_infos=infos, metric_infos=[
        api_pb2.MetricInfo(name=api_pb2.MetricName(tag=tag)) for tag in metric_dict])

    def summary(tag, **plugin_data):
        content = plugin_data_pb2.HParamsPluginData(version=metadata.PLUGIN_DATA_VERSION, **plugin_data)
        meta = SummaryMetadata(plugin_data=SummaryMetadata.PluginData(
            plugin_name=metadata.PLUGIN_NAME, content=content.SerializeToString()))
        return Summary(value=[Summary.Value(tag=tag, metadata=meta)])

    end = plugin_data_pb2.SessionEndInfo(status=api_pb2.STATUS_SUCCESS)
    return (summary(metadata.EXPERIMENT_TAG, experiment=experiment),
            summary(metadata.SESSION_START_INFO_TAG, session_start_info=start),
            summary(metadata.SESSION_END_INFO_TAG, session_end_info=end))
