package ptfile

import (
	"archive/zip"
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"strconv"
	"strings"
)

// Format versions torch's reader accepts (caffe2/serialize/versions.h);
// torch.save writes 3.
const (
	minFormatVersion = 1
	maxFormatVersion = 10
)

// expansionSlack is how many bytes views may add on top of four times the
// file size when they are materialized. Ordinary state_dicts never get near
// it (each tensor is at most its storage, tied weights double it at worst);
// it is what stops a tiny hostile file from asking for petabytes through
// stride-0 views.
const expansionSlack = 64 << 20

// legacyMagic starts the pre-1.6 (non-zip) torch.save format: the pickled
// magic number 0x1950a86a20f9469cfc6c as a protocol 2 LONG1.
var legacyMagic = []byte{0x80, 0x02, 0x8a, 0x0a, 0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19}

// ReadFile reads the state_dict saved at path; see Read.
func ReadFile(path string) ([]Tensor, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if !st.Mode().IsRegular() {
		return nil, fmt.Errorf("%s: %w: not a regular file", path, ErrNotCheckpoint)
	}
	ts, err := Read(f, st.Size())
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return ts, nil
}

// Read decodes a zip-format checkpoint of size bytes: a dict or OrderedDict
// of tensors as torch.save writes it. Tensors come back in the dict's order
// with their data materialized contiguous and little-endian, whatever the
// views, storage sharing and byte order in the file.
func Read(r io.ReaderAt, size int64) ([]Tensor, error) {
	if size < 0 {
		return nil, errorf(ErrNotCheckpoint, "negative size %d", size)
	}
	ts, err := read(&ioErrReaderAt{r: r}, size)
	if err != nil {
		return nil, err
	}
	return ts, nil
}

// ioErrReaderAt remembers the first real I/O error of r, so that a failing
// disk is reported as itself and not as a damaged checkpoint.
type ioErrReaderAt struct {
	r   io.ReaderAt
	err error
}

func (e *ioErrReaderAt) ReadAt(p []byte, off int64) (int, error) {
	n, err := e.r.ReadAt(p, off)
	if err != nil && err != io.EOF && e.err == nil {
		e.err = err
	}
	return n, err
}

func read(r *ioErrReaderAt, size int64) (ts []Tensor, err error) {
	defer func() {
		if r.err != nil {
			ts, err = nil, fmt.Errorf("reading checkpoint: %w", r.err)
		}
	}()
	head := make([]byte, min(size, int64(len(legacyMagic))))
	if n, _ := r.ReadAt(head, 0); n < len(head) {
		return nil, errorf(ErrTruncated, "cannot read the first %d bytes", len(head))
	}
	if bytes.Equal(head, legacyMagic) {
		return nil, errorf(ErrNotCheckpoint, "legacy (pre-1.6, non-zip) torch.save format is not supported; "+
			"re-save it with a current torch.save")
	}
	zr, err := zip.NewReader(r, size)
	if err != nil && !errors.Is(err, zip.ErrInsecurePath) {
		if bytes.HasPrefix(head, []byte("PK\x03\x04")) {
			return nil, errorf(ErrTruncated, "zip archive is cut short or damaged (%v)", err)
		}
		return nil, errorf(ErrNotCheckpoint, "not a zip archive (%v)", err)
	}
	a, err := openArchive(zr, size)
	if err != nil {
		return nil, err
	}
	pkl, err := a.record("data.pkl")
	if err != nil {
		return nil, err
	}
	u := &unpickler{data: pkl}
	top, err := u.load()
	if err != nil {
		return nil, err
	}
	refs, err := stateDictEntries(top)
	if err != nil {
		return nil, err
	}
	out := make([]Tensor, 0, len(refs))
	budget := int64(math.MaxInt64)
	if size <= (math.MaxInt64-expansionSlack)/4 {
		budget = 4*size + expansionSlack
	}
	for _, e := range refs {
		t, err := a.materialize(e.name, e.ref, &budget)
		if err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, nil
}

type archive struct {
	prefix    string // "archive/" or the saved file's stem plus "/"
	files     map[string]*zip.File
	size      int64
	bigEndian bool
	storages  map[string][]byte // data/<key> records read so far
	readBytes int64             // sum of the records read, at most size
}

func openArchive(zr *zip.Reader, size int64) (*archive, error) {
	if len(zr.File) == 0 {
		return nil, errorf(ErrNotCheckpoint, "zip archive is empty")
	}
	// Like torch's reader: the first entry's directory names the archive.
	first := zr.File[0].Name
	i := strings.IndexByte(first, '/')
	if i <= 0 {
		return nil, errorf(ErrNotCheckpoint, "first zip entry %q is not inside an archive directory", first)
	}
	a := &archive{prefix: first[:i+1], files: make(map[string]*zip.File), size: size, storages: make(map[string][]byte)}
	for _, f := range zr.File {
		name, ok := strings.CutPrefix(f.Name, a.prefix)
		if !ok {
			continue // torch never looks outside its directory either
		}
		if _, dup := a.files[name]; dup {
			return nil, errorf(ErrCorrupt, "zip archive has two %q records", f.Name)
		}
		a.files[name] = f
	}
	if _, ok := a.files["data.pkl"]; !ok {
		if _, ts := a.files["constants.pkl"]; ts {
			return nil, errorf(ErrUnsupported, "this is a TorchScript archive (torch.jit.save), not a torch.save checkpoint")
		}
		return nil, errorf(ErrNotCheckpoint, "zip archive has no %sdata.pkl record", a.prefix)
	}
	if v, ok, err := a.optionalText(".data/version", "version"); err != nil {
		return nil, err
	} else if ok {
		n, err := strconv.ParseUint(strings.TrimSpace(v), 10, 64)
		if err != nil {
			return nil, errorf(ErrCorrupt, "version record %q is not a number", v)
		}
		if n < minFormatVersion || n > maxFormatVersion {
			return nil, errorf(ErrUnsupported, "archive format version %d (supported %d..%d)", n, minFormatVersion, maxFormatVersion)
		}
	}
	if v, ok, err := a.optionalText("byteorder"); err != nil {
		return nil, err
	} else if ok {
		switch strings.TrimSpace(v) {
		case "little":
		case "big":
			a.bigEndian = true
		default:
			return nil, errorf(ErrCorrupt, "byteorder record is %q, not little or big", v)
		}
	}
	return a, nil
}

// optionalText reads the first of names that exists, if any; these are
// small text records, so anything long is refused before reading it.
func (a *archive) optionalText(names ...string) (string, bool, error) {
	for _, n := range names {
		if f, ok := a.files[n]; ok {
			if f.UncompressedSize64 > 64 {
				return "", false, errorf(ErrCorrupt, "record %s%s is %d bytes, too long for its kind", a.prefix, n, f.UncompressedSize64)
			}
			b, err := a.record(n)
			return string(b), err == nil, err
		}
	}
	return "", false, nil
}

// record reads a whole record, checking its CRC. Only stored (uncompressed)
// records are read, as torch.save writes them: a record can then never be
// larger than the file, and the records read together never exceed it.
func (a *archive) record(name string) ([]byte, error) {
	f, ok := a.files[name]
	if !ok {
		return nil, errorf(ErrCorrupt, "record %s%s is missing", a.prefix, name)
	}
	if f.Method != zip.Store {
		return nil, errorf(ErrUnsupported, "record %s is compressed (zip method %d); torch.save stores records uncompressed", f.Name, f.Method)
	}
	n := f.UncompressedSize64
	if n != f.CompressedSize64 || n > uint64(a.size) || int64(n) > a.size-a.readBytes {
		return nil, errorf(ErrCorrupt, "record %s claims %d bytes, more than the file holds", f.Name, n)
	}
	rc, err := f.Open()
	if err != nil {
		return nil, recordErr(f.Name, err)
	}
	defer rc.Close()
	buf := make([]byte, n)
	if _, err := io.ReadFull(rc, buf); err != nil {
		return nil, recordErr(f.Name, err)
	}
	// The CRC is checked when the reader reaches its end.
	var one [1]byte
	if k, err := rc.Read(one[:]); k != 0 || err != io.EOF {
		if err == nil || err == io.EOF {
			err = zip.ErrFormat
		}
		return nil, recordErr(f.Name, err)
	}
	a.readBytes += int64(n)
	return buf, nil
}

func recordErr(name string, err error) error {
	switch {
	case errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF):
		return errorf(ErrTruncated, "record %s ends early", name)
	case errors.Is(err, zip.ErrChecksum):
		return errorf(ErrCorrupt, "record %s fails its CRC-32 check", name)
	case errors.Is(err, zip.ErrFormat):
		return errorf(ErrCorrupt, "record %s: %v", name, err)
	}
	return fmt.Errorf("reading record %s: %w", name, err)
}

type entry struct {
	name string
	ref  *tensorRef
}

// stateDictEntries checks the unpickled object is a dict of str -> Tensor.
func stateDictEntries(top any) ([]entry, error) {
	d, ok := top.(*pyDict)
	if !ok {
		return nil, errorf(ErrUnsupported, "the checkpoint holds a %s, not a state_dict (a dict of tensors)", typeName(top))
	}
	out := make([]entry, 0, len(d.keys))
	for i, k := range d.keys {
		name, ok := k.(string)
		if !ok {
			return nil, errorf(ErrUnsupported, "state_dict key %d is a %s, not a str", i, typeName(k))
		}
		t, ok := d.vals[i].(*tensorRef)
		if !ok {
			return nil, errorf(ErrUnsupported, "state_dict entry %q is a %s, not a tensor", name, typeName(d.vals[i]))
		}
		out = append(out, entry{name, t})
	}
	return out, nil
}

// storage returns the bytes of data/<key>, little-endian, read once.
func (a *archive) storage(s *storageRef) ([]byte, error) {
	if b, ok := a.storages[s.key]; ok {
		return b, nil
	}
	want, ok := mulCheck(s.numel, int64(s.dtype.size))
	if !ok || want > a.size {
		return nil, errorf(ErrCorrupt, "storage %s claims %d elements of %s, more than the file holds", s.key, s.numel, s.dtype.name)
	}
	name := "data/" + s.key
	f, ok := a.files[name]
	if !ok {
		return nil, errorf(ErrCorrupt, "storage record %s%s is missing", a.prefix, name)
	}
	if f.UncompressedSize64 != uint64(want) {
		return nil, errorf(ErrCorrupt, "storage record %s has %d bytes, but the pickle says %d elements of %s (%d bytes)",
			f.Name, f.UncompressedSize64, s.numel, s.dtype.name, want)
	}
	b, err := a.record(name)
	if err != nil {
		return nil, err
	}
	if a.bigEndian {
		swapBytes(b, s.dtype.size)
	}
	a.storages[s.key] = b
	return b, nil
}

func swapBytes(b []byte, size int) {
	if size == 1 {
		return
	}
	for i := 0; i+size <= len(b); i += size {
		e := b[i : i+size]
		for l, r := 0, size-1; l < r; l, r = l+1, r-1 {
			e[l], e[r] = e[r], e[l]
		}
	}
}

// materialize copies the view t describes out of its storage into a new
// contiguous buffer, after checking every element it reaches is inside.
func (a *archive) materialize(name string, t *tensorRef, budget *int64) (Tensor, error) {
	st := t.storage
	data, err := a.storage(st)
	if err != nil {
		return Tensor{}, fmt.Errorf("tensor %q: %w", name, err)
	}
	es := int64(st.dtype.size)
	numel, ok := numElements(t.size)
	if !ok {
		return Tensor{}, errorf(ErrCorrupt, "tensor %q: shape %v overflows", name, t.size)
	}
	out := Tensor{Name: name, DType: st.dtype.name, Shape: append([]int64{}, t.size...), RequiresGrad: t.requiresGrad}
	if numel == 0 {
		if t.offset > st.numel {
			return Tensor{}, errorf(ErrCorrupt, "tensor %q: storage offset %d is past the end of storage %s (%d elements)", name, t.offset, st.key, st.numel)
		}
		out.Data = []byte{}
		return out, nil
	}
	// The last element the view reaches (the offset itself for a 0-d
	// tensor) must be inside the storage.
	last, ok := t.offset, true
	for i, n := range t.size {
		var step int64
		if step, ok = mulCheck(n-1, t.stride[i]); ok {
			last, ok = addCheck(last, step)
		}
		if !ok {
			break
		}
	}
	if !ok || last >= st.numel {
		return Tensor{}, errorf(ErrCorrupt, "tensor %q: shape %v, stride %v, offset %d reach past the %d elements of storage %s",
			name, t.size, t.stride, t.offset, st.numel, st.key)
	}
	nbytes, ok := mulCheck(numel, es)
	if !ok || nbytes > *budget {
		return Tensor{}, errorf(ErrUnsupported, "tensor %q: materializing shape %v needs more memory than a file of %d bytes may ask for (overlapping or expanded views)",
			name, t.size, a.size)
	}
	*budget -= nbytes
	out.Data = make([]byte, nbytes)
	copyView(out.Data, data, es, t.offset, t.size, t.stride)
	return out, nil
}

// copyView gathers a strided view into dst in row-major order. Runs that
// are contiguous in the storage are copied whole.
func copyView(dst, src []byte, es, offset int64, size, stride []int64) {
	// Fold trailing dimensions that are laid out contiguously into one run.
	run := int64(1) // elements per contiguous run
	d := len(size)
	for d > 0 && (size[d-1] == 1 || stride[d-1] == run) {
		run *= size[d-1]
		d--
	}
	outer := size[:d]
	idx := make([]int64, d)
	pos := offset // element index in storage of the current run
	runBytes := run * es
	for w := int64(0); w < int64(len(dst)); w += runBytes {
		copy(dst[w:w+runBytes], src[pos*es:pos*es+runBytes])
		// Advance the odometer over the outer dimensions.
		for k := d - 1; k >= 0; k-- {
			idx[k]++
			pos += stride[k]
			if idx[k] < outer[k] {
				break
			}
			pos -= stride[k] * outer[k]
			idx[k] = 0
		}
	}
}
