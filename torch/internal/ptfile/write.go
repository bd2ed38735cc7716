package ptfile

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"io"
	"math/bits"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/aecifar/aecifar/internal/atomicfile"
)

// archiveName is the directory torch.save uses inside the zip when it
// writes to a buffer; torch.load takes whatever the first entry's is.
const archiveName = "archive"

// storageAlignment is where torch's writer puts every record's data: a
// multiple of 64 bytes from the start of the file, padded with a "FB"
// extra field, so the data can be mapped and used in place.
const storageAlignment = 64

// Write writes tensors as torch.save(model.state_dict()) does: a zip
// archive holding an OrderedDict (in the given order) with a _metadata
// attribute, one storage record per tensor, and format version 3.
//
// _metadata maps "" and every module prefix of the names ("conv1" for
// "conv1.weight") to {"version": 1}, or 2 for a module with a
// num_batches_tracked buffer (BatchNorm, the only module in torch.nn with a
// version above 1). model.load_state_dict(..., strict=True) accepts it.
//
// Tensors whose Data is the very same slice (same start and length) and
// dtype share one storage, as tied weights do in PyTorch.
func Write(w io.Writer, tensors []Tensor) error {
	if err := validate(tensors); err != nil {
		return err
	}
	keys := storageKeys(tensors)
	pkl := encodePickle(tensors, keys)

	zw := &zipWriter{w: bufio.NewWriterSize(w, 64<<10)}
	if err := zw.add(archiveName+"/data.pkl", pkl); err != nil {
		return err
	}
	if err := zw.add(archiveName+"/byteorder", []byte("little")); err != nil {
		return err
	}
	// torch.save writes storages in sorted key order ("0", "1", "10", "2").
	written := make(map[string]bool)
	order := make([]int, 0, len(tensors))
	for i := range tensors {
		if !written[keys[i]] {
			written[keys[i]] = true
			order = append(order, i)
		}
	}
	sort.Slice(order, func(a, b int) bool { return keys[order[a]] < keys[order[b]] })
	for _, i := range order {
		if err := zw.add(archiveName+"/data/"+keys[i], tensors[i].Data); err != nil {
			return err
		}
	}
	if err := zw.add(archiveName+"/version", []byte("3\n")); err != nil {
		return err
	}
	return zw.close()
}

// WriteFile writes tensors to path (see Write) atomically, with internal/atomicfile: into a
// temporary file in the same directory that is synced and renamed over path, then the directory is
// synced. On any error before the rename, path is left as it was and the temporary file is removed;
// an error syncing the directory after the rename is still reported. A new file gets mode 0644; a
// replaced file keeps its mode. A save killed midway leaves its temporary file, which the next
// save to the same path removes.
func WriteFile(path string, tensors []Tensor) error {
	if err := validate(tensors); err != nil {
		return err
	}
	return atomicfile.Write(path, func(w io.Writer) error {
		if testHookWriter != nil {
			w = testHookWriter(w)
		}
		return Write(w, tensors)
	})
}

// testHookWriter, when set by a test, wraps the writer WriteFile hands to
// Write, so a failure can be injected part-way through a file.
var testHookWriter func(io.Writer) io.Writer

func validate(tensors []Tensor) error {
	seen := make(map[string]bool, len(tensors))
	for i := range tensors {
		t := &tensors[i]
		if seen[t.Name] {
			return fmt.Errorf("ptfile: two tensors named %q", t.Name)
		}
		seen[t.Name] = true
		if !utf8.ValidString(t.Name) {
			return fmt.Errorf("ptfile: tensor name %q is not valid UTF-8", t.Name)
		}
		d, ok := dtypeByName(t.DType)
		if !ok {
			return fmt.Errorf("ptfile: tensor %q: unsupported dtype %q", t.Name, t.DType)
		}
		if len(t.Shape) > maxDims {
			return fmt.Errorf("ptfile: tensor %q has %d dimensions (at most %d)", t.Name, len(t.Shape), maxDims)
		}
		n, ok := numElements(t.Shape)
		nbytes, ok2 := mulCheck(n, int64(d.size))
		if !ok || !ok2 {
			return fmt.Errorf("ptfile: tensor %q: invalid shape %v", t.Name, t.Shape)
		}
		if int64(len(t.Data)) != nbytes {
			return fmt.Errorf("ptfile: tensor %q: %d bytes of data for shape %v of %s (want %d)", t.Name, len(t.Data), t.Shape, t.DType, nbytes)
		}
	}
	return nil
}

// storageKeys numbers storages in pickling order, as torch.save does, with
// one key for tensors that share the same Data slice.
func storageKeys(tensors []Tensor) []string {
	type span struct {
		p     *byte
		n     int
		dtype string
	}
	ids := make(map[span]string)
	keys := make([]string, len(tensors))
	next := 0
	for i := range tensors {
		t := &tensors[i]
		if len(t.Data) > 0 {
			s := span{&t.Data[0], len(t.Data), t.DType}
			if k, ok := ids[s]; ok {
				keys[i] = k
				continue
			}
			ids[s] = strconv.Itoa(next)
		}
		keys[i] = strconv.Itoa(next)
		next++
	}
	return keys
}

// metadataVersions lists "" and every module prefix of the names, in order
// of first appearance (the pre-order torch's state_dict() produces).
func metadataVersions(tensors []Tensor) (prefixes []string, versions map[string]int64) {
	versions = map[string]int64{"": 1}
	prefixes = []string{""}
	for _, t := range tensors {
		parts := strings.Split(t.Name, ".")
		for i := 1; i < len(parts); i++ {
			p := strings.Join(parts[:i], ".")
			if _, ok := versions[p]; !ok {
				versions[p] = 1
				prefixes = append(prefixes, p)
			}
		}
		if i := strings.LastIndexByte(t.Name, '.'); i >= 0 && t.Name[i+1:] == "num_batches_tracked" {
			versions[t.Name[:i]] = 2
		} else if t.Name == "num_batches_tracked" {
			versions[""] = 2
		}
	}
	return prefixes, versions
}

// pickler emits pickle protocol 2, memoizing only what it reuses.
type pickler struct {
	b    bytes.Buffer
	memo map[string]uint32
}

func (p *pickler) op(b ...byte) { p.b.Write(b) }

// put memoizes the value on top of the stack under key.
func (p *pickler) put(key string) {
	i := uint32(len(p.memo))
	p.memo[key] = i
	if i < 256 {
		p.op('q', byte(i))
	} else {
		p.op('r')
		p.b.Write(binary.LittleEndian.AppendUint32(nil, i))
	}
}

// get pushes a memoized value and reports whether there was one.
func (p *pickler) get(key string) bool {
	i, ok := p.memo[key]
	if !ok {
		return false
	}
	if i < 256 {
		p.op('h', byte(i))
	} else {
		p.op('j')
		p.b.Write(binary.LittleEndian.AppendUint32(nil, i))
	}
	return true
}

func (p *pickler) global(mod, name string) {
	if p.get("g:" + mod + "." + name) {
		return
	}
	p.op('c')
	p.b.WriteString(mod + "\n" + name + "\n")
	p.put("g:" + mod + "." + name)
}

func (p *pickler) str(s string) {
	p.op('X')
	p.b.Write(binary.LittleEndian.AppendUint32(nil, uint32(len(s))))
	p.b.WriteString(s)
}

// memoStr writes a string that recurs ("storage", "cpu", "version") once.
func (p *pickler) memoStr(s string) {
	if !p.get("s:" + s) {
		p.str(s)
		p.put("s:" + s)
	}
}

// int writes v as Python's pickler does at protocol 2.
func (p *pickler) int(v int64) {
	switch {
	case v >= 0 && v <= 0xff:
		p.op('K', byte(v))
	case v >= 0 && v <= 0xffff:
		p.op('M', byte(v), byte(v>>8))
	case v >= -1<<31 && v < 1<<31:
		p.op('J')
		p.b.Write(binary.LittleEndian.AppendUint32(nil, uint32(v)))
	default:
		// LONG1: minimal two's-complement little-endian. Values here are
		// sizes and counts, never negative.
		n := bits.Len64(uint64(v))/8 + 1
		p.op(0x8a, byte(n))
		for i := 0; i < n; i++ {
			p.op(byte(uint64(v) >> (8 * i)))
		}
	}
}

func (p *pickler) intTuple(vs []int64) {
	if len(vs) == 0 {
		p.op(')')
		return
	}
	if len(vs) > 3 {
		p.op('(')
	}
	for _, v := range vs {
		p.int(v)
	}
	switch len(vs) {
	case 1:
		p.op(0x85)
	case 2:
		p.op(0x86)
	case 3:
		p.op(0x87)
	default:
		p.op('t')
	}
}

func (p *pickler) bool(v bool) {
	if v {
		p.op(0x88)
	} else {
		p.op(0x89)
	}
}

// newOrderedDict pushes collections.OrderedDict().
func (p *pickler) newOrderedDict() {
	p.global("collections", "OrderedDict")
	p.op(')', 'R')
}

// batches emits n dict items in Python's batches of 1000: SETITEM for a
// lone item, MARK ... SETITEMS otherwise.
func (p *pickler) batches(n int, item func(i int)) {
	for start := 0; start < n; start += 1000 {
		end := min(start+1000, n)
		if end-start == 1 {
			item(start)
			p.op('s')
			continue
		}
		p.op('(')
		for i := start; i < end; i++ {
			item(i)
		}
		p.op('u')
	}
}

func encodePickle(tensors []Tensor, keys []string) []byte {
	p := &pickler{memo: make(map[string]uint32)}
	p.op(0x80, 2)
	p.newOrderedDict()
	p.batches(len(tensors), func(i int) {
		t := &tensors[i]
		d, _ := dtypeByName(t.DType)
		n, _ := numElements(t.Shape)
		p.str(t.Name)
		p.global("torch._utils", "_rebuild_tensor_v2")
		p.op('(')
		// Persistent id ('storage', torch.XStorage, key, 'cpu', numel).
		p.op('(')
		p.memoStr("storage")
		p.global("torch", d.storage)
		p.str(keys[i])
		p.memoStr("cpu")
		p.int(n)
		p.op('t', 'Q')
		p.int(0) // storage_offset
		p.intTuple(t.Shape)
		p.intTuple(contiguousStrides(t.Shape))
		p.bool(t.RequiresGrad)
		p.newOrderedDict() // backward_hooks
		p.op('t', 'R')
	})
	// BUILD sets the OrderedDict's __dict__: {"_metadata": OrderedDict(...)}.
	prefixes, versions := metadataVersions(tensors)
	p.op('}')
	p.str("_metadata")
	p.newOrderedDict()
	p.batches(len(prefixes), func(i int) {
		p.str(prefixes[i])
		p.op('}')
		p.memoStr("version")
		p.int(versions[prefixes[i]])
		p.op('s')
	})
	p.op('s', 'b', '.')
	return p.b.Bytes()
}

func contiguousStrides(shape []int64) []int64 {
	s := make([]int64, len(shape))
	acc := int64(1)
	for i := len(shape) - 1; i >= 0; i-- {
		s[i] = acc
		acc *= max(shape[i], 1)
	}
	return s
}

// Sizes and offsets from these on go in ZIP64 fields. They are variables
// so tests can exercise those fields without writing 4 GiB.
var (
	zip64SizeLimit   uint64 = 0xffffffff
	zip64OffsetLimit uint64 = 0xffffffff
)

// zipWriter writes a stored-only zip archive with torch's 64-byte data
// alignment. The layout follows APPNOTE.TXT; sizes and CRC go in the local
// header since every record is in memory before it is written.
type zipWriter struct {
	w       *bufio.Writer
	off     uint64
	entries []zipEntry
	err     error
}

type zipEntry struct {
	name      string
	crc, size uint64
	offset    uint64
}

func (z *zipWriter) write(b []byte) {
	if z.err != nil {
		return
	}
	n, err := z.w.Write(b)
	z.off += uint64(n)
	z.err = err
}

func le16(b []byte, v uint16) []byte { return binary.LittleEndian.AppendUint16(b, v) }
func le32(b []byte, v uint32) []byte { return binary.LittleEndian.AppendUint32(b, v) }
func le64(b []byte, v uint64) []byte { return binary.LittleEndian.AppendUint64(b, v) }

// clamp32 is v, or 0xffffffff when v is at least limit and so belongs in a
// ZIP64 field instead.
func clamp32(v, limit uint64) uint32 {
	if v >= limit {
		return 0xffffffff
	}
	return uint32(v)
}

func nameFlags(name string) uint16 {
	for i := 0; i < len(name); i++ {
		if name[i] >= 0x80 {
			return 0x800 // names are UTF-8
		}
	}
	return 0
}

const (
	dosDate1980 = 0x21 // 1980-01-01, the earliest valid MS-DOS date
	zipVersion  = 45   // 4.5: ZIP64
)

func (z *zipWriter) add(name string, data []byte) error {
	size := uint64(len(data))
	crc := uint64(crc32.ChecksumIEEE(data))
	var extra []byte
	if size >= zip64SizeLimit {
		// A ZIP64 local header carries both sizes.
		extra = le16(le16(extra, 1), 16)
		extra = le64(le64(extra, size), size)
	}
	start := z.off + 30 + uint64(len(name)) + uint64(len(extra)) + 4
	pad := (storageAlignment - start%storageAlignment) % storageAlignment
	extra = le16(le16(extra, 0x4246), uint16(pad)) // "FB"
	extra = append(extra, bytes.Repeat([]byte{'Z'}, int(pad))...)

	h := le32(nil, 0x04034b50)
	h = le16(h, zipVersion)
	h = le16(h, nameFlags(name))
	h = le16(h, 0) // stored
	h = le16(h, 0) // time
	h = le16(h, dosDate1980)
	h = le32(h, uint32(crc))
	h = le32(h, clamp32(size, zip64SizeLimit))
	h = le32(h, clamp32(size, zip64SizeLimit))
	h = le16(h, uint16(len(name)))
	h = le16(h, uint16(len(extra)))
	h = append(h, name...)
	h = append(h, extra...)
	z.entries = append(z.entries, zipEntry{name: name, crc: crc, size: size, offset: z.off})
	z.write(h)
	z.write(data)
	return z.err
}

func (z *zipWriter) close() error {
	cdStart := z.off
	for _, e := range z.entries {
		var extra []byte
		if e.size >= zip64SizeLimit || e.offset >= zip64OffsetLimit {
			var f []byte
			if e.size >= zip64SizeLimit {
				f = le64(le64(f, e.size), e.size)
			}
			if e.offset >= zip64OffsetLimit {
				f = le64(f, e.offset)
			}
			extra = le16(le16(nil, 1), uint16(len(f)))
			extra = append(extra, f...)
		}
		h := le32(nil, 0x02014b50)
		h = le16(h, 3<<8|zipVersion) // made by: Unix
		h = le16(h, zipVersion)
		h = le16(h, nameFlags(e.name))
		h = le16(h, 0)
		h = le16(h, 0)
		h = le16(h, dosDate1980)
		h = le32(h, uint32(e.crc))
		h = le32(h, clamp32(e.size, zip64SizeLimit))
		h = le32(h, clamp32(e.size, zip64SizeLimit))
		h = le16(h, uint16(len(e.name)))
		h = le16(h, uint16(len(extra)))
		h = le16(h, 0) // comment
		h = le16(h, 0) // disk
		h = le16(h, 0) // internal attributes
		h = le32(h, 0o100644<<16)
		h = le32(h, clamp32(e.offset, zip64OffsetLimit))
		h = append(h, e.name...)
		h = append(h, extra...)
		z.write(h)
	}
	cdEnd := z.off
	cdSize := cdEnd - cdStart
	n := uint64(len(z.entries))
	if n >= 0xffff || cdSize >= zip64OffsetLimit || cdStart >= zip64OffsetLimit {
		e := le32(nil, 0x06064b50)
		e = le64(e, 44) // size of the rest of this record
		e = le16(e, 3<<8|zipVersion)
		e = le16(e, zipVersion)
		e = le32(e, 0)
		e = le32(e, 0)
		e = le64(e, n)
		e = le64(e, n)
		e = le64(e, cdSize)
		e = le64(e, cdStart)
		e = le32(e, 0x07064b50) // locator
		e = le32(e, 0)
		e = le64(e, cdEnd)
		e = le32(e, 1)
		z.write(e)
	}
	e := le32(nil, 0x06054b50)
	e = le16(e, 0)
	e = le16(e, 0)
	e = le16(e, uint16(min(n, 0xffff)))
	e = le16(e, uint16(min(n, 0xffff)))
	e = le32(e, clamp32(cdSize, zip64OffsetLimit))
	e = le32(e, clamp32(cdStart, zip64OffsetLimit))
	e = le16(e, 0)
	z.write(e)
	if z.err != nil {
		return z.err
	}
	return z.w.Flush()
}
