#!/usr/bin/env python3
"""Reference decoder of latentstream latent frames (standard library only).

Layout (little-endian), see README "Latent frame format":
  0  2  magic b"LF"
  2  1  format version (1)
  3  1  encoding: 0 f32, 1 f16, 2 i8
  4  8  model version (int64)
 12  2  dimension k (uint16, 1..4096)
 14  4  scale (float32), only for i8
 ..     k values: f32 (4 bytes), f16 (2 bytes, IEEE half), i8 (1 byte signed, value = q * scale)

Usage: latent_frame.py FILE   prints one line per frame: model_version,encoding,v1,v2,...
A file is frames written back to back (each frame knows its own length).
"""
import math
import struct
import sys

ENCODINGS = {0: ("f32", 4, "f"), 1: ("f16", 2, "e"), 2: ("i8", 1, "b")}


class FrameError(ValueError):
    pass


def decode(buf, offset=0):
    """Returns (model_version, encoding_name, values, length) for the frame at offset."""
    if len(buf) - offset < 14:
        raise FrameError("frame shorter than its 14-byte header")
    if buf[offset:offset + 2] != b"LF":
        raise FrameError("bad magic")
    version, code = buf[offset + 2], buf[offset + 3]
    if version != 1:
        raise FrameError("unsupported frame format version %d" % version)
    if code not in ENCODINGS:
        raise FrameError("unknown encoding %d" % code)
    name, width, fmt = ENCODINGS[code]
    (model_version,) = struct.unpack_from("<q", buf, offset + 4)
    (dim,) = struct.unpack_from("<H", buf, offset + 12)
    if not 1 <= dim <= 4096:
        raise FrameError("dimension %d out of range" % dim)
    pos = offset + 14
    scale = 1.0
    if name == "i8":
        (scale,) = struct.unpack_from("<f", buf, pos)
        if not math.isfinite(scale) or scale < 0:
            raise FrameError("bad i8 scale")
        pos += 4
    end = pos + dim * width
    if end > len(buf):
        raise FrameError("truncated frame")
    raw = struct.unpack_from("<%d%s" % (dim, fmt), buf, pos)
    values = [q * scale for q in raw] if name == "i8" else list(raw)
    return model_version, name, values, end - offset


def decode_all(buf):
    out, pos = [], 0
    while pos < len(buf):
        version, name, values, length = decode(buf, pos)
        out.append((version, name, values))
        pos += length
    return out


def main(argv):
    if len(argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    with open(argv[1], "rb") as f:
        data = f.read()
    for version, name, values in decode_all(data):
        print(",".join([str(version), name] + [repr(v) for v in values]))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
