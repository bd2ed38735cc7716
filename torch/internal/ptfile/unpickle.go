package ptfile

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math"
	"strings"
	"unicode/utf8"
)

// The unpickler below runs the subset of the pickle virtual machine that
// torch.save emits for a state_dict (protocol 2, plus the protocol 4/5
// framing and memo opcodes a newer pickler may add). It is deliberately not
// a general unpickler: it resolves only the handful of globals a state_dict
// needs and refuses everything else, so a hostile file cannot name a class
// to run. Every length is checked against the bytes left before anything
// is allocated, and the stack, mark stack and memo are capped.

const (
	maxStack     = 1 << 20
	maxMarkDepth = 1 << 16
	maxMemo      = 1 << 20
	maxDims      = 64 // PyTorch itself refuses more than 64 dimensions.
)

// Python values as the unpickler models them. None is pyNone{}.
type (
	pyNone   struct{}
	pyBigInt struct{} // an integer that does not fit int64; an error wherever used
	pyBytes  string
	pyTuple  []any
	pyList   struct{ items []any }
	pyDict   struct {
		keys  []any
		vals  []any
		index map[string]int // str keys only, for Python's overwrite-on-reassign
		attrs *pyDict        // state set by BUILD (OrderedDict._metadata lives here)
	}
	pyGlobal struct{ module, name string }
	// pyStorageType is a torch.<X>Storage class; dtype is resolved when a
	// persistent id uses it, so an unknown one is reported by name.
	pyStorageType struct{ name string }
)

// storageRef is what BINPERSID yields: a typed view of a data/<key> record.
type storageRef struct {
	key   string
	dtype dtypeInfo
	numel int64
}

// tensorRef is what _rebuild_tensor_v2 yields; the bytes are resolved after
// the pickle is read, once every storage it needs is known.
type tensorRef struct {
	storage      *storageRef
	offset       int64
	size         []int64
	stride       []int64
	requiresGrad bool
}

func (d *pyDict) set(k, v any) {
	if s, ok := k.(string); ok {
		if i, ok := d.index[s]; ok {
			d.vals[i] = v
			return
		}
		if d.index == nil {
			d.index = make(map[string]int)
		}
		d.index[s] = len(d.keys)
	}
	d.keys = append(d.keys, k)
	d.vals = append(d.vals, v)
}

// typeName names a value's Python type for error messages. It never prints
// the value itself: a hostile pickle can build cyclic lists and dicts.
func typeName(v any) string {
	switch v := v.(type) {
	case pyNone:
		return "None"
	case bool:
		return "bool"
	case int64, pyBigInt:
		return "int"
	case float64:
		return "float"
	case string:
		return "str"
	case pyBytes:
		return "bytes"
	case pyTuple:
		return "tuple"
	case *pyList:
		return "list"
	case *pyDict:
		return "dict"
	case pyGlobal:
		return v.module + "." + v.name
	case pyStorageType:
		return "torch." + v.name
	case *storageRef:
		return "storage"
	case *tensorRef:
		return "Tensor"
	}
	return "object"
}

type unpickler struct {
	data  []byte
	pos   int
	stack []any
	marks []int
	memo  map[uint32]any
	// storages dedups persistent ids by key, as torch.load does.
	storages map[string]*storageRef
}

func (u *unpickler) fail(format string, args ...any) error {
	return errorf(ErrCorrupt, "data.pkl at byte %d: %s", u.pos, fmt.Sprintf(format, args...))
}

func (u *unpickler) unsupported(format string, args ...any) error {
	return errorf(ErrUnsupported, "data.pkl at byte %d: %s", u.pos, fmt.Sprintf(format, args...))
}

func (u *unpickler) take(n int) ([]byte, error) {
	if n < 0 || n > len(u.data)-u.pos {
		return nil, errorf(ErrCorrupt, "data.pkl ends inside an opcode at byte %d", u.pos)
	}
	b := u.data[u.pos : u.pos+n]
	u.pos += n
	return b, nil
}

func (u *unpickler) takeLen(width int) (int, error) {
	b, err := u.take(width)
	if err != nil {
		return 0, err
	}
	var n uint64
	switch width {
	case 1:
		n = uint64(b[0])
	case 4:
		n = uint64(binary.LittleEndian.Uint32(b))
	case 8:
		n = binary.LittleEndian.Uint64(b)
	}
	if n > uint64(len(u.data)-u.pos) {
		return 0, errorf(ErrCorrupt, "data.pkl: a %d-byte string at byte %d runs past the end", n, u.pos)
	}
	return int(n), nil
}

func (u *unpickler) takeLine() (string, error) {
	i := bytes.IndexByte(u.data[u.pos:], '\n')
	if i < 0 {
		return "", errorf(ErrCorrupt, "data.pkl ends inside a GLOBAL opcode at byte %d", u.pos)
	}
	s := string(u.data[u.pos : u.pos+i])
	u.pos += i + 1
	return s, nil
}

func (u *unpickler) push(v any) error {
	if len(u.stack) >= maxStack {
		return u.unsupported("pickle stack deeper than %d", maxStack)
	}
	u.stack = append(u.stack, v)
	return nil
}

func (u *unpickler) pop() (any, error) {
	n := len(u.stack)
	if n == 0 || (len(u.marks) > 0 && u.marks[len(u.marks)-1] == n) {
		return nil, u.fail("pickle stack underflow")
	}
	v := u.stack[n-1]
	u.stack = u.stack[:n-1]
	return v, nil
}

func (u *unpickler) top() (any, error) {
	n := len(u.stack)
	if n == 0 || (len(u.marks) > 0 && u.marks[len(u.marks)-1] == n) {
		return nil, u.fail("pickle stack underflow")
	}
	return u.stack[n-1], nil
}

// popMark returns the items pushed since the last MARK and drops them.
func (u *unpickler) popMark() ([]any, error) {
	if len(u.marks) == 0 {
		return nil, u.fail("no MARK on the pickle stack")
	}
	m := u.marks[len(u.marks)-1]
	u.marks = u.marks[:len(u.marks)-1]
	items := append([]any(nil), u.stack[m:]...)
	u.stack = u.stack[:m]
	return items, nil
}

func (u *unpickler) memoPut(i uint32) error {
	v, err := u.top()
	if err != nil {
		return err
	}
	if _, ok := u.memo[i]; !ok && len(u.memo) >= maxMemo {
		return u.unsupported("pickle memo larger than %d entries", maxMemo)
	}
	u.memo[i] = v
	return nil
}

func (u *unpickler) memoGet(i uint32) error {
	v, ok := u.memo[i]
	if !ok {
		return u.fail("memo entry %d read before it was written", i)
	}
	return u.push(v)
}

// load runs the pickle to its STOP and returns the top-level value.
func (u *unpickler) load() (any, error) {
	u.memo = make(map[uint32]any)
	u.storages = make(map[string]*storageRef)
	for {
		if u.pos >= len(u.data) {
			return nil, errorf(ErrCorrupt, "data.pkl ends before its STOP opcode")
		}
		op := u.data[u.pos]
		u.pos++
		var err error
		switch op {
		case 0x80: // PROTO
			var b []byte
			if b, err = u.take(1); err == nil && b[0] > 5 {
				err = u.unsupported("pickle protocol %d", b[0])
			}
		case 0x95: // FRAME: a length hint only; the opcodes follow inline.
			_, err = u.take(8)
		case '.': // STOP
			v, err := u.pop()
			if err != nil {
				return nil, err
			}
			if len(u.stack) != 0 || len(u.marks) != 0 {
				return nil, u.fail("values left on the pickle stack at STOP")
			}
			return v, nil
		case '(': // MARK
			if len(u.marks) >= maxMarkDepth {
				return nil, u.unsupported("pickle MARKs nested deeper than %d", maxMarkDepth)
			}
			u.marks = append(u.marks, len(u.stack))
		case '0': // POP
			_, err = u.pop()
		case '1': // POP_MARK
			_, err = u.popMark()
		case '2': // DUP
			var v any
			if v, err = u.top(); err == nil {
				err = u.push(v)
			}
		case 'N':
			err = u.push(pyNone{})
		case 0x88:
			err = u.push(true)
		case 0x89:
			err = u.push(false)
		case 'K': // BININT1
			var b []byte
			if b, err = u.take(1); err == nil {
				err = u.push(int64(b[0]))
			}
		case 'M': // BININT2
			var b []byte
			if b, err = u.take(2); err == nil {
				err = u.push(int64(binary.LittleEndian.Uint16(b)))
			}
		case 'J': // BININT
			var b []byte
			if b, err = u.take(4); err == nil {
				err = u.push(int64(int32(binary.LittleEndian.Uint32(b))))
			}
		case 0x8a, 0x8b: // LONG1, LONG4
			width := 1
			if op == 0x8b {
				width = 4
			}
			var n int
			var b []byte
			if n, err = u.takeLen(width); err == nil {
				if b, err = u.take(n); err == nil {
					err = u.push(decodeLong(b))
				}
			}
		case 'G': // BINFLOAT, big-endian
			var b []byte
			if b, err = u.take(8); err == nil {
				err = u.push(math.Float64frombits(binary.BigEndian.Uint64(b)))
			}
		case 'X', 0x8c, 0x8d: // BINUNICODE, SHORT_BINUNICODE, BINUNICODE8
			width := lenWidth(op)
			var n int
			var b []byte
			if n, err = u.takeLen(width); err == nil {
				if b, err = u.take(n); err == nil {
					if !utf8.Valid(b) {
						err = u.fail("string is not valid UTF-8")
					} else {
						err = u.push(string(b))
					}
				}
			}
		case 'B', 'C', 0x8e: // BINBYTES, SHORT_BINBYTES, BINBYTES8
			width := lenWidth(op)
			var n int
			var b []byte
			if n, err = u.takeLen(width); err == nil {
				if b, err = u.take(n); err == nil {
					err = u.push(pyBytes(b))
				}
			}
		case ')':
			err = u.push(pyTuple{})
		case 0x85, 0x86, 0x87: // TUPLE1..3
			n := int(op - 0x84)
			if len(u.stack) < n || (len(u.marks) > 0 && len(u.stack)-n < u.marks[len(u.marks)-1]) {
				return nil, u.fail("pickle stack underflow")
			}
			t := make(pyTuple, n)
			copy(t, u.stack[len(u.stack)-n:])
			u.stack = u.stack[:len(u.stack)-n]
			err = u.push(t)
		case 't': // TUPLE
			var items []any
			if items, err = u.popMark(); err == nil {
				err = u.push(pyTuple(items))
			}
		case ']':
			err = u.push(&pyList{})
		case 'a', 'e': // APPEND, APPENDS
			var items []any
			if op == 'a' {
				var v any
				if v, err = u.pop(); err == nil {
					items = []any{v}
				}
			} else {
				items, err = u.popMark()
			}
			if err == nil {
				var l any
				if l, err = u.top(); err == nil {
					if list, ok := l.(*pyList); ok {
						list.items = append(list.items, items...)
					} else {
						err = u.fail("APPEND to a %s", typeName(l))
					}
				}
			}
		case '}':
			err = u.push(&pyDict{})
		case 's', 'u': // SETITEM, SETITEMS
			var items []any
			if op == 's' {
				var k, v any
				if v, err = u.pop(); err == nil {
					if k, err = u.pop(); err == nil {
						items = []any{k, v}
					}
				}
			} else {
				items, err = u.popMark()
			}
			if err == nil && len(items)%2 != 0 {
				err = u.fail("SETITEMS with an odd number of items")
			}
			if err == nil {
				var d any
				if d, err = u.top(); err == nil {
					if dict, ok := d.(*pyDict); ok {
						for i := 0; i < len(items); i += 2 {
							dict.set(items[i], items[i+1])
						}
					} else {
						err = u.fail("SETITEM on a %s", typeName(d))
					}
				}
			}
		case 'c': // GLOBAL
			var mod, name string
			if mod, err = u.takeLine(); err == nil {
				if name, err = u.takeLine(); err == nil {
					err = u.global(mod, name)
				}
			}
		case 0x93: // STACK_GLOBAL
			var m, n any
			if n, err = u.pop(); err == nil {
				if m, err = u.pop(); err == nil {
					mod, ok1 := m.(string)
					name, ok2 := n.(string)
					if !ok1 || !ok2 {
						err = u.fail("STACK_GLOBAL needs two strings")
					} else {
						err = u.global(mod, name)
					}
				}
			}
		case 'R', 0x81: // REDUCE, NEWOBJ
			var f, a any
			if a, err = u.pop(); err == nil {
				if f, err = u.pop(); err == nil {
					args, ok := a.(pyTuple)
					if !ok {
						err = u.fail("REDUCE arguments are a %s, not a tuple", typeName(a))
					} else {
						var v any
						if v, err = u.call(f, args); err == nil {
							err = u.push(v)
						}
					}
				}
			}
		case 'b': // BUILD
			var state, obj any
			if state, err = u.pop(); err == nil {
				if obj, err = u.top(); err == nil {
					err = u.build(obj, state)
				}
			}
		case 'Q': // BINPERSID
			var pid any
			if pid, err = u.pop(); err == nil {
				var v any
				if v, err = u.persistentLoad(pid); err == nil {
					err = u.push(v)
				}
			}
		case 'q': // BINPUT
			var b []byte
			if b, err = u.take(1); err == nil {
				err = u.memoPut(uint32(b[0]))
			}
		case 'r': // LONG_BINPUT
			var b []byte
			if b, err = u.take(4); err == nil {
				err = u.memoPut(binary.LittleEndian.Uint32(b))
			}
		case 0x94: // MEMOIZE
			err = u.memoPut(uint32(len(u.memo)))
		case 'h': // BINGET
			var b []byte
			if b, err = u.take(1); err == nil {
				err = u.memoGet(uint32(b[0]))
			}
		case 'j': // LONG_BINGET
			var b []byte
			if b, err = u.take(4); err == nil {
				err = u.memoGet(binary.LittleEndian.Uint32(b))
			}
		default:
			u.pos--
			return nil, u.unsupported("pickle opcode 0x%02x", op)
		}
		if err != nil {
			return nil, err
		}
	}
}

// lenWidth is the size of the length prefix of a string or bytes opcode.
func lenWidth(op byte) int {
	switch op {
	case 0x8c, 'C':
		return 1
	case 0x8d, 0x8e:
		return 8
	}
	return 4
}

// decodeLong reads a little-endian two's-complement integer (LONG1/LONG4).
func decodeLong(b []byte) any {
	if len(b) == 0 {
		return int64(0)
	}
	if len(b) > 8 {
		// Fits only if the extra high bytes are pure sign extension.
		sign := byte(0)
		if b[len(b)-1]&0x80 != 0 {
			sign = 0xff
		}
		for _, c := range b[8:] {
			if c != sign {
				return pyBigInt{}
			}
		}
		if (b[7]&0x80 != 0) != (sign == 0xff) {
			return pyBigInt{}
		}
		b = b[:8]
	}
	var v uint64
	for i := len(b) - 1; i >= 0; i-- {
		v = v<<8 | uint64(b[i])
	}
	if b[len(b)-1]&0x80 != 0 && len(b) < 8 {
		v |= ^uint64(0) << (8 * len(b)) // sign-extend
	}
	return int64(v)
}

// global resolves a GLOBAL against the allowlist.
func (u *unpickler) global(mod, name string) error {
	switch {
	case mod == "collections" && name == "OrderedDict",
		mod == "torch._utils" && (name == "_rebuild_tensor_v2" || name == "_rebuild_parameter"):
		return u.push(pyGlobal{mod, name})
	case mod == "torch" && strings.HasSuffix(name, "Storage"):
		return u.push(pyStorageType{name})
	}
	return u.unsupported("Python global %s.%s (only state_dicts of tensors are read)", mod, name)
}

// call applies one of the allowed globals.
func (u *unpickler) call(f any, args pyTuple) (any, error) {
	g, ok := f.(pyGlobal)
	if !ok {
		return nil, u.fail("REDUCE on a %s, which is not callable", typeName(f))
	}
	switch g.name {
	case "OrderedDict":
		if len(args) != 0 {
			return nil, u.unsupported("OrderedDict built from %d arguments", len(args))
		}
		return &pyDict{}, nil
	case "_rebuild_tensor_v2":
		return u.rebuildTensor(args)
	case "_rebuild_parameter":
		// _rebuild_parameter(data, requires_grad, backward_hooks)
		if len(args) != 3 {
			return nil, u.fail("_rebuild_parameter takes 3 arguments, got %d", len(args))
		}
		t, ok := args[0].(*tensorRef)
		rg, ok2 := args[1].(bool)
		if !ok || !ok2 {
			return nil, u.fail("_rebuild_parameter arguments are (%s, %s), not (Tensor, bool)", typeName(args[0]), typeName(args[1]))
		}
		c := *t
		c.requiresGrad = rg
		return &c, nil
	}
	return nil, u.fail("REDUCE on %s", typeName(g))
}

// rebuildTensor checks the arguments of
// _rebuild_tensor_v2(storage, storage_offset, size, stride, requires_grad,
// backward_hooks[, metadata]). Whether the view fits its storage is checked
// later, against the record's real size.
func (u *unpickler) rebuildTensor(args pyTuple) (any, error) {
	if len(args) != 6 && len(args) != 7 {
		return nil, u.fail("_rebuild_tensor_v2 takes 6 or 7 arguments, got %d", len(args))
	}
	st, ok := args[0].(*storageRef)
	if !ok {
		return nil, u.fail("_rebuild_tensor_v2 storage is a %s", typeName(args[0]))
	}
	offset, ok := args[1].(int64)
	if !ok || offset < 0 {
		return nil, u.fail("_rebuild_tensor_v2 storage_offset is not a non-negative int")
	}
	size, err := u.intTuple(args[2], "size")
	if err != nil {
		return nil, err
	}
	stride, err := u.intTuple(args[3], "stride")
	if err != nil {
		return nil, err
	}
	if len(size) != len(stride) {
		return nil, u.fail("tensor has %d sizes but %d strides", len(size), len(stride))
	}
	rg, ok := args[4].(bool)
	if !ok {
		return nil, u.fail("_rebuild_tensor_v2 requires_grad is a %s", typeName(args[4]))
	}
	return &tensorRef{storage: st, offset: offset, size: size, stride: stride, requiresGrad: rg}, nil
}

func (u *unpickler) intTuple(v any, what string) ([]int64, error) {
	t, ok := v.(pyTuple)
	if !ok {
		return nil, u.fail("tensor %s is a %s, not a tuple", what, typeName(v))
	}
	if len(t) > maxDims {
		return nil, u.unsupported("tensor with %d dimensions (at most %d)", len(t), maxDims)
	}
	out := make([]int64, len(t))
	for i, e := range t {
		n, ok := e.(int64)
		if !ok || n < 0 {
			return nil, u.fail("tensor %s[%d] is not a non-negative int", what, i)
		}
		out[i] = n
	}
	return out, nil
}

// build applies BUILD. torch.save's OrderedDict carries its _metadata as
// instance state; that is the only BUILD a state_dict has.
func (u *unpickler) build(obj, state any) error {
	d, ok := obj.(*pyDict)
	if !ok {
		return u.unsupported("BUILD on a %s", typeName(obj))
	}
	if _, ok := state.(pyNone); ok {
		return nil
	}
	s, ok := state.(*pyDict)
	if !ok {
		return u.unsupported("BUILD state is a %s, not a dict", typeName(state))
	}
	d.attrs = s
	return nil
}

// persistentLoad decodes ('storage', storage_type, key, location, numel).
func (u *unpickler) persistentLoad(pid any) (any, error) {
	t, ok := pid.(pyTuple)
	if !ok || len(t) != 5 {
		return nil, u.fail("persistent id is not a 5-tuple ('storage', type, key, location, numel)")
	}
	if tag, _ := asText(t[0]); tag != "storage" {
		return nil, u.unsupported("persistent id of kind %s, not 'storage'", typeName(t[0]))
	}
	typ, ok := t[1].(pyStorageType)
	if !ok {
		return nil, u.fail("storage type is a %s", typeName(t[1]))
	}
	dt, ok := dtypeByStorage(typ.name)
	if !ok {
		return nil, u.unsupported("unsupported dtype: storage class torch.%s", typ.name)
	}
	key, ok1 := asText(t[2])
	loc, ok2 := asText(t[3])
	numel, ok3 := t[4].(int64)
	if !ok1 || !ok2 || !ok3 || numel < 0 {
		return nil, u.fail("storage key, location or numel has the wrong type")
	}
	_ = loc // any device: the bytes are the same, and they load to CPU
	if s, ok := u.storages[key]; ok {
		if s.dtype.name != dt.name || s.numel != numel {
			return nil, u.fail("storage %q is used as %s[%d] and as %s[%d]", key, s.dtype.name, s.numel, dt.name, numel)
		}
		return s, nil
	}
	s := &storageRef{key: key, dtype: dt, numel: numel}
	u.storages[key] = s
	return s, nil
}

func asText(v any) (string, bool) {
	switch v := v.(type) {
	case string:
		return v, true
	case pyBytes:
		return string(v), true
	}
	return "", false
}
