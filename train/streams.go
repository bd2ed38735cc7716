package train

import "math/rand/v2"

// streams names every random stream a run draws from. Each is a function of Config.Seed and, for
// those that change every epoch, of a pass and its epoch alone, so that a resumed run draws what
// the uninterrupted one would have drawn. The numbers are those runs have always drawn
// (TestStreamsArePinned): a change here is a change of every run.
type streams struct{ seed uint64 }

func (c Config) streams() streams { return streams{c.Seed} }

// torch seeds libtorch's default generator (torch.manual_seed): the models' initialisation, dropout
// and the fast path's augmentation.
func (s streams) torch() uint64 { return s.seed }

// split draws the blog's train/validation split (its np.random.shuffle).
func (s streams) split() *rand.Rand { return rand.New(rand.NewPCG(s.seed, 0x5eed)) }

// The loaders' seeds (DataLoaderOptions.Seed), from which each loader draws its epochs' orders and
// augmentations.
func (s streams) trainLoader() uint64      { return s.seed + 1 }
func (s streams) validationLoader() uint64 { return s.seed + 2 }
func (s streams) testLoader() uint64       { return s.seed + 3 }

// order draws the fast path's order of pass p in its stage's epoch e (epochOrder). The validation
// order of an epoch draws from the generator of the autoencoder's epoch of that number, over other
// indices.
func (s streams) order(p pass, e int) *rand.Rand {
	return rand.New(rand.NewPCG(s.seed+1, uint64(p.epoch(e))))
}

// A pass is a stage's walk over one split, once per epoch.
type pass int

const (
	autoencoderTraining pass = iota // the autoencoder over the training split
	classifierTraining              // the classifier over the training split
	validation                      // the classifier over the validation split
)

// epoch is what the draws of pass p in its stage's epoch e are keyed by: the loader's epoch
// (DataLoader.SetEpoch) and the fast path's order. The classifier's training epochs are offset by
// 1000 so as not to repeat the autoencoder's, which walk the same loader.
func (p pass) epoch(e int) int {
	if p == classifierTraining {
		return 1000 + e
	}
	return e
}
