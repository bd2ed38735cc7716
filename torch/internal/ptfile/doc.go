// Package ptfile reads and writes PyTorch .pt state_dict files in pure Go.
//
// A file is what torch.save(model.state_dict(), path) produces with the zip
// serialization that is the default since PyTorch 1.6:
//
//	<dir>/data.pkl      pickled OrderedDict name -> tensor (with _metadata)
//	<dir>/data/<key>    raw bytes of each storage, one record per storage
//	<dir>/version       "3\n" (or .data/version in other writers)
//	<dir>/byteorder     "little" or "big" (PyTorch >= 2.1)
//	<dir>/...           other records (.data/serialization_id,
//	                    .format_version, .storage_alignment) are ignored
//
// <dir> is "archive" for buffers and the file's stem for paths; the reader,
// like torch's, takes it from the first entry. Each tensor in data.pkl is
// torch._utils._rebuild_tensor_v2(storage, offset, size, stride,
// requires_grad, hooks), where storage is a persistent id
// ('storage', torch.FloatStorage, key, location, numel) naming data/<key>.
//
// # What is read
//
// A dict or collections.OrderedDict of str -> tensor, with or without
// _metadata; tensors of dtype float32, float64, float16, bfloat16, int64,
// int32, int16, int8, uint8 and bool, on any device (the bytes are loaded as
// CPU data); views with a storage offset and arbitrary non-negative strides
// (materialized contiguous), storages shared between tensors, big-endian
// files (swapped to little-endian), nn.Parameter (_rebuild_parameter), and
// pickles of protocol 2 to 5. The pickle is run by a small allowlisting
// machine in this package, not a general unpickler: only
// collections.OrderedDict, torch._utils._rebuild_tensor_v2,
// torch._utils._rebuild_parameter and torch.*Storage may be named.
//
// Not read, each with an error that says so: the legacy pre-1.6 non-zip
// format, TorchScript archives, compressed records, other dtypes (complex,
// quantized, float8), and checkpoints whose top level is not a flat dict of
// tensors ({"model": ..., "optimizer": ...} included).
//
// # What is written
//
// What torch.save(state_dict) writes: archive/data.pkl at pickle protocol 2,
// archive/byteorder, archive/data/0..N-1 (each record's data 64-byte
// aligned with a "FB" padding extra field, as torch's writer does),
// archive/version "3\n", with ZIP64 fields where sizes need them. See Write
// for _metadata. The tests load it with torch.load (also with
// weights_only=True) and load_state_dict(strict=True) in PyTorch 1.13.1.
//
// # Tests and fixtures
//
// testdata/gen.py writes the fixtures with torch.save and expected.json with
// their exact bytes; testdata/roundtrip.py checks a file Write made from
// inside PyTorch and saves it again for Read. Tests that start Python look
// for $PYTHON, python3, then /usr/bin/python3, skip when none imports torch,
// and skip under -short.
//
// # Errors
//
// Functions return errors, never panic, on any input. Errors from Read wrap
// ErrNotCheckpoint, ErrTruncated, ErrCorrupt or ErrUnsupported and name the
// record, tensor or pickle offset at fault. Memory is bounded by the input:
// a record is read only if it fits in the file, the records read together
// never exceed the file size, the pickle stack, mark stack and memo are
// capped, and the materialized tensors may take at most four times the file
// size plus 64 MiB (so stride-0 views cannot expand a small file into a
// huge allocation).
//
// Writing validates every tensor (known dtype, unique name, Data length
// matching Shape) before the first byte is written. WriteFile replaces its
// target atomically (internal/atomicfile): a failure at any step leaves the
// previous file intact and no temporary file behind; a process killed
// mid-save leaves its temporary file, which the next save to that path
// removes.
package ptfile
