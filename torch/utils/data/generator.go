package data

import (
	"fmt"
	"sync"

	"github.com/aecifar/aecifar/torch"
)

// Generator is torch.Generator on the CPU (libtorch's CPUGeneratorImpl),
// reimplemented exactly in Go: the same mt19937 engine, seeded the same way,
// giving the same 32- and 64-bit draws. A loader or a RandomSampler given one
// draws from it as PyTorch's draw from generator=g: NewGenerator(s) here and
// torch.Generator().manual_seed(s) there give the same orders.
//
// Where the field is nil (PyTorch's generator=None), the draws come from
// torch's default CPU generator instead, through libtorch: the generator
// torch.ManualSeed seeds and a model's initialisation and dropout draw from,
// so that the loader's draws interleave with theirs exactly as in PyTorch.
//
// A Generator is safe for concurrent use.
type Generator struct {
	mu    sync.Mutex
	seed  uint64
	state [mtN]uint32
	left  int // draws left before the next twist, at::mt19937's left_
	next  int // index of the next state word
}

// at::mt19937's constants (ATen/core/MT19937RNGEngine.h).
const (
	mtN       = 624
	mtM       = 397
	mtMatrixA = 0x9908b0df
	mtUpper   = 0x80000000
	mtLower   = 0x7fffffff
)

// NewGenerator returns a generator seeded with seed, like
// torch.Generator().manual_seed(seed).
func NewGenerator(seed uint64) *Generator {
	g := new(Generator)
	g.ManualSeed(seed)
	return g
}

// ManualSeed reseeds g, like Generator.manual_seed: at::mt19937's
// init_with_uint32, which puts the low 32 bits of seed in the state.
func (g *Generator) ManualSeed(seed uint64) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.seed = seed
	g.state[0] = uint32(seed)
	for j := 1; j < mtN; j++ {
		g.state[j] = 1812433253*(g.state[j-1]^(g.state[j-1]>>30)) + uint32(j)
	}
	g.left, g.next = 1, 0
}

// InitialSeed is Generator.initial_seed.
func (g *Generator) InitialSeed() uint64 {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.seed
}

func twist(u, v uint32) uint32 {
	m := (u&mtUpper | v&mtLower) >> 1
	if v&1 != 0 {
		m ^= mtMatrixA
	}
	return m
}

// random32 is at::mt19937's operator(); the caller holds g.mu.
func (g *Generator) random32() uint32 {
	g.left--
	if g.left == 0 {
		p := &g.state
		for j := 0; j < mtN-mtM; j++ {
			p[j] = p[j+mtM] ^ twist(p[j], p[j+1])
		}
		for j := mtN - mtM; j < mtN-1; j++ {
			p[j] = p[j+mtM-mtN] ^ twist(p[j], p[j+1])
		}
		p[mtN-1] = p[mtM-1] ^ twist(p[mtN-1], p[0])
		g.left, g.next = mtN, 0
	}
	y := g.state[g.next]
	g.next++
	y ^= y >> 11
	y ^= (y << 7) & 0x9d2c5680
	y ^= (y << 15) & 0xefc60000
	y ^= y >> 18
	return y
}

// Random is CPUGeneratorImpl::random: the engine's next 32 bits.
func (g *Generator) Random() uint32 {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.random32()
}

// Random64 is CPUGeneratorImpl::random64: two draws, the first one the high half.
func (g *Generator) Random64() uint64 {
	g.mu.Lock()
	defer g.mu.Unlock()
	hi := g.random32()
	return uint64(hi)<<32 | uint64(g.random32())
}

// RandomInt64 is torch.empty((), dtype=torch.int64).random_(generator=g).item():
// the low 63 bits of Random64 (ATen's uniform_int keeps val % (INT64_MAX + 1)).
// With a nil g it draws from torch's default CPU generator.
func (g *Generator) RandomInt64() int64 {
	if g == nil {
		return defaultRandomInt64()
	}
	return int64(g.Random64() & (1<<63 - 1))
}

// defaultRandomInt64 draws from torch's default CPU generator through libtorch
// itself, so the draw takes its place among every other use of it.
func defaultRandomInt64() int64 {
	s := torch.NewScope()
	defer s.Close()
	v, err := s.Attach(torch.Empty(nil, torch.EmptyOptions{DType: torch.Int64})).Random_().Int64s()
	if err != nil || len(v) != 1 {
		// Only a broken libtorch fails to fill a CPU scalar.
		panic(fmt.Sprintf("data: drawing from torch's default generator: %v (%d values)", err, len(v)))
	}
	return v[0]
}

// Randperm is torch.randperm(n, generator=g) on the CPU, for n below 2^32/20
// (libtorch's loop for them, which covers every dataset in memory): the
// identity, then for each i < n-1 a swap of element i with element
// i + Random() % (n - i).
func Randperm(n int, g *Generator) []int {
	p := make([]int, max(n, 0))
	for i := range p {
		p[i] = i
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	for i := 0; i < n-1; i++ {
		z := int(uint64(g.random32()) % uint64(n-i))
		p[i], p[i+z] = p[i+z], p[i]
	}
	return p
}

// randint appends k draws of torch.randint(high=n, size=(k,), generator=g) to
// out, for 0 < n < 2^32: Random() % n each (uniform_int_from_to).
func randint(out []int, n, k int, g *Generator) []int {
	g.mu.Lock()
	defer g.mu.Unlock()
	for range k {
		out = append(out, int(uint64(g.random32())%uint64(n)))
	}
	return out
}
